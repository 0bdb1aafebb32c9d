"""System checks of the reminders app."""


def test_site_url_check_warns_about_plain_http_outside_debug(settings):
    from reminders.checks import site_url_is_https

    settings.DEBUG = False
    settings.SITE_URL = "http://portal.example.org"
    assert [w.id for w in site_url_is_https(None)] == ["reminders.W001"]
    settings.SITE_URL = "https://portal.example.org"
    assert site_url_is_https(None) == []

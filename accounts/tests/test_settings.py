"""Account-related settings read from the environment (coinportal/settings/base.py)."""


def test_defaults(settings_from_env):
    values = settings_from_env()
    assert values["SIGNUP_MODE"] == "invite"
    assert values["SIGNUP_ALLOWED_DOMAINS"] == []
    assert values["INVITATION_EXPIRY_DAYS"] == 14
    assert values["ACCOUNT_EMAIL_VERIFICATION"] == "mandatory"
    assert values["EMAIL_BACKEND"] == "django.core.mail.backends.console.EmailBackend"
    assert values["SOCIALACCOUNT_PROVIDERS"] == {}
    assert values["ACCOUNT_RATE_LIMITS"] == {"login_failed": "10/m/ip,5/5m/key"}
    assert values["ACCOUNT_LOGIN_METHODS"] == {"email"}
    assert values["ACCOUNT_USER_MODEL_USERNAME_FIELD"] is None


def test_smtp_from_email_url(settings_from_env):
    values = settings_from_env(EMAIL_URL="smtp+tls://mailer:s3cret@smtp.example.org:587")
    assert values["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert (values["EMAIL_HOST"], values["EMAIL_PORT"], values["EMAIL_USE_TLS"]) == ("smtp.example.org", 587, True)
    assert (values["EMAIL_HOST_USER"], values["EMAIL_HOST_PASSWORD"]) == ("mailer", "s3cret")


def test_signup_policy_from_environment(settings_from_env):
    values = settings_from_env(
        SIGNUP_MODE="domain", SIGNUP_ALLOWED_DOMAINS="coin-lab.edu.cn,example.edu", INVITATION_EXPIRY_DAYS="7"
    )
    assert values["SIGNUP_MODE"] == "domain"
    assert values["SIGNUP_ALLOWED_DOMAINS"] == ["coin-lab.edu.cn", "example.edu"]
    assert values["INVITATION_EXPIRY_DAYS"] == 7

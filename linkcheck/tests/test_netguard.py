"""The SSRF guard: the address classifier over a table, and refusals on real requests with the allow-list off."""

import ipaddress

import pytest
from werkzeug import Response

from linkcheck.checker import LinkClass, check_urls
from linkcheck.netguard import address_block_reason, embedded_ipv4, parse_networks
from linkcheck.services import checker_config

CLASSIFIER_CASES = [
    ("127.0.0.1", True),
    ("127.255.255.254", True),
    ("::1", True),
    ("::ffff:127.0.0.1", True),  # IPv4-mapped loopback
    ("::ffff:10.0.0.1", True),  # IPv4-mapped private
    ("10.0.0.1", True),
    ("172.16.5.4", True),
    ("192.168.1.1", True),
    ("100.64.0.1", True),  # shared address space (RFC 6598), not "private" to every Python version
    ("169.254.169.254", True),  # link-local: cloud metadata
    # A value to classify, not a bind address.
    ("0.0.0.0", True),  # noqa: S104  # nosec B104
    ("224.0.0.1", True),
    ("255.255.255.255", True),
    ("198.18.0.1", True),
    ("192.0.0.8", True),
    ("fc00::1", True),  # unique local
    ("fd12:3456::1", True),
    ("fe80::1", True),  # link-local
    ("fe80::1%eth0", True),
    ("ff02::1", True),
    ("::", True),
    ("::127.0.0.1", True),  # deprecated IPv4-compatible
    ("2002:7f00:1::", True),  # 6to4 of 127.0.0.1
    ("2002:a00:1::1", True),  # 6to4 of 10.0.0.1
    ("64:ff9b::a00:1", True),  # NAT64 of 10.0.0.1
    ("64:ff9b::7f00:1", True),  # NAT64 of 127.0.0.1
    ("64:ff9b:1::1", True),  # NAT64 local-use prefix
    ("2001:0:4136:e378:8000:63bf:3fff:fdd2", True),  # Teredo
    ("2001:db8::1", True),  # documentation
    ("8.8.8.8", False),
    ("1.1.1.1", False),
    ("140.82.112.3", False),  # github.com
    ("2606:4700:4700::1111", False),
    ("::ffff:8.8.8.8", False),
    ("64:ff9b::808:808", False),  # NAT64 of a public address
]


@pytest.mark.parametrize(("address", "blocked"), CLASSIFIER_CASES, ids=[c[0] for c in CLASSIFIER_CASES])
def test_address_classifier(address, blocked):
    assert (address_block_reason(address) is not None) is blocked


def test_classifier_reasons_name_the_range():
    assert address_block_reason("100.64.0.1") == "shared address space (RFC 6598), 100.64.0.0/10"
    assert address_block_reason("::ffff:127.0.0.1") == "embeds 127.0.0.1: loopback (RFC 1122), 127.0.0.0/8"
    assert address_block_reason("8.8.8.8") is None


def test_allow_list_lets_listed_networks_through_even_when_embedded():
    allowed = parse_networks(["127.0.0.0/8"])
    assert address_block_reason("127.0.0.1", allowed) is None
    assert address_block_reason("::ffff:127.0.0.1", allowed) is None
    assert address_block_reason("10.0.0.1", allowed) == "private (RFC 1918), 10.0.0.0/8"


def test_embedded_ipv4_forms():
    assert embedded_ipv4(ipaddress.IPv6Address("::ffff:1.2.3.4")) == ipaddress.IPv4Address("1.2.3.4")
    assert embedded_ipv4(ipaddress.IPv6Address("64:ff9b::102:304")) == ipaddress.IPv4Address("1.2.3.4")
    assert embedded_ipv4(ipaddress.IPv6Address("2002:102:304::")) == ipaddress.IPv4Address("1.2.3.4")
    assert embedded_ipv4(ipaddress.IPv6Address("2606:4700::1")) is None


def test_bad_allow_list_entry_is_a_configuration_error(settings):
    from django.core.exceptions import ImproperlyConfigured

    settings.LINKCHECK_ALLOWED_NETWORKS = ["not-a-network"]
    with pytest.raises(ImproperlyConfigured, match="LINKCHECK_ALLOWED_NETWORKS"):
        checker_config()


@pytest.fixture
def guard_on(settings):
    """The SSRF guard with no exception at all (as in production)."""
    settings.LINKCHECK_ALLOWED_NETWORKS = []


def _served(server):
    hits = []
    server.expect_request("/secret").respond_with_handler(lambda request: hits.append(1) or "internal data")
    return hits


@pytest.mark.parametrize(
    "host", ["127.0.0.1", "[::ffff:127.0.0.1]", "2130706433", "0x7f.1", "localhost"], ids=lambda h: h
)
def test_loopback_is_refused_in_every_spelling(server, guard_on, host):
    hits = _served(server)
    result = check_urls([f"http://{host}:{server.port}/secret"], checker_config())[0]
    assert result.link_class == LinkClass.ERROR
    assert result.error.startswith("refused by the SSRF guard:")
    assert "loopback" in result.error
    assert hits == []  # nothing reached the server


def test_private_address_is_refused_before_connecting(guard_on):
    result = check_urls(["http://10.0.0.1/admin", "http://169.254.169.254/latest/meta-data/"], checker_config())
    assert [r.link_class for r in result] == [LinkClass.ERROR, LinkClass.ERROR]
    assert result[0].error == "refused by the SSRF guard: 10.0.0.1 resolves to 10.0.0.1, private (RFC 1918), 10.0.0.0/8"
    assert "link-local" in result[1].error
    assert [r.attempts for r in result] == [1, 1]


@pytest.mark.parametrize(
    "target", ["http://127.0.0.2:{port}/secret", "http://10.1.2.3/", "http://[::ffff:169.254.169.254]/"]
)
def test_redirect_to_an_internal_address_is_refused(server, settings, target):
    # Only the test server's own address is allowed; the redirect's target is checked again.
    settings.LINKCHECK_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    hits = _served(server)
    server.expect_request("/go").respond_with_data(
        "", status=302, headers={"Location": target.format(port=server.port)}
    )
    result = check_urls([server.url_for("/go")], checker_config())[0]
    assert result.link_class == LinkClass.ERROR
    assert result.error.startswith("refused by the SSRF guard:")
    assert result.final_url == target.format(port=server.port)
    assert hits == []


def test_a_name_resolving_to_an_internal_address_is_refused(server, guard_on, fake_dns):
    fake_dns({"innocent.example.org": "127.0.0.1"})
    hits = _served(server)
    result = check_urls([f"http://innocent.example.org:{server.port}/secret"], checker_config())[0]
    assert result.error == (
        "refused by the SSRF guard: innocent.example.org resolves to 127.0.0.1, loopback (RFC 1122), 127.0.0.0/8"
    )
    assert hits == []


def test_connection_is_pinned_to_the_checked_address(server, settings, fake_dns):
    """DNS rebinding: the second answer would be internal, but the name is resolved once per run and the
    connection goes to the checked address, with the original Host header."""
    settings.LINKCHECK_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    lookups = fake_dns({"rebind.example.org": ["127.0.0.1", "10.0.0.1"]})
    seen = []
    server.expect_request("/a").respond_with_handler(
        lambda request: seen.append(request.headers["Host"]) or Response("", status=302, headers={"Location": "/b"})
    )
    server.expect_request("/b").respond_with_handler(lambda request: seen.append(request.headers["Host"]) or "ok")
    result = check_urls([f"http://rebind.example.org:{server.port}/a"], checker_config())[0]
    assert result.link_class == LinkClass.OK
    assert lookups == ["rebind.example.org"]
    assert seen == [f"rebind.example.org:{server.port}", f"rebind.example.org:{server.port}"]

"""The checker against a real HTTP server on loopback: one test per behaviour, exact classes and fields."""

import gzip
import socket
import struct
import threading
import time

import pytest
from werkzeug import Response

from linkcheck.checker import LinkClass, check_urls, host_to_ascii, retry_after_seconds, url_target
from linkcheck.rules import ContentRule, rules_load
from linkcheck.services import checker_config


def check(url, **overrides):
    return check_urls([url], checker_config(**overrides))[0]


class Counter:
    """A handler answering from a script of responses, recording the requests it saw."""

    def __init__(self, *responses):
        self.responses = list(responses)
        self.seen = []
        self.lock = threading.Lock()

    def __call__(self, request):
        with self.lock:
            self.seen.append((request.method, request.environ["RAW_URI"], dict(request.headers)))
            index = min(len(self.seen), len(self.responses)) - 1
        response = self.responses[index]
        return response


def test_200_is_ok_with_head(server):
    handler = Counter(Response("hello", status=200))
    server.expect_request("/page").respond_with_handler(handler)
    url = server.url_for("/page")
    result = check(url)
    assert (result.link_class, result.http_status, result.final_url, result.error) == (LinkClass.OK, 200, url, "")
    assert (result.method, result.attempts, result.new_url, result.redirects) == ("HEAD", 1, "", [])
    assert [m for m, _, _ in handler.seen] == ["HEAD"]


def test_request_headers_name_the_portal(server):
    handler = Counter(Response("hello"))
    server.expect_request("/ua").respond_with_handler(handler)
    check(server.url_for("/ua"))
    headers = handler.seen[0][2]
    assert headers["User-Agent"] == "Mozilla/5.0 (compatible; COINPortalLinkChecker/1.0; +https://portal.example.org)"
    assert headers["Accept"] == "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    assert headers["Host"] == f"127.0.0.1:{server.port}"


def test_permanent_redirect_chain_reports_new_url(server):
    server.expect_request("/old").respond_with_data("", status=301, headers={"Location": "/mid"})
    server.expect_request("/mid").respond_with_data("", status=308, headers={"Location": server.url_for("/new")})
    server.expect_request("/new").respond_with_data("here")
    result = check(server.url_for("/old") + "#part-2")
    assert result.link_class == LinkClass.REDIRECTED
    assert result.http_status == 200
    assert result.final_url == server.url_for("/new")
    # RFC 9110 §10.2.2: the fragment of the original URL carries over.
    assert result.new_url == server.url_for("/new") + "#part-2"
    assert result.redirects == [(301, server.url_for("/mid")), (308, server.url_for("/new"))]
    assert result.error == f"moved permanently to {server.url_for('/new')}#part-2"


def test_temporary_redirect_first_is_ok_without_new_url(server):
    server.expect_request("/login-wall").respond_with_data("", status=302, headers={"Location": "/perm"})
    server.expect_request("/perm").respond_with_data("", status=301, headers={"Location": "/final"})
    server.expect_request("/final").respond_with_data("ok")
    result = check(server.url_for("/login-wall"))
    assert (result.link_class, result.new_url, result.final_url) == (LinkClass.OK, "", server.url_for("/final"))


def test_redirect_loop_is_detected(server):
    server.expect_request("/l1").respond_with_data("", status=302, headers={"Location": "/l2"})
    server.expect_request("/l2").respond_with_data("", status=302, headers={"Location": "/l1"})
    result = check(server.url_for("/l1"))
    assert result.link_class == LinkClass.ERROR
    assert result.error == "redirect loop: " + " → ".join(server.url_for(p) for p in ("/l1", "/l2", "/l1"))
    assert result.http_status == 302


def test_redirect_limit(server):
    for i in range(4):
        server.expect_request(f"/hop{i}").respond_with_data("", status=302, headers={"Location": f"/hop{i + 1}"})
    result = check(server.url_for("/hop0"), max_redirects=3)
    assert (result.link_class, result.error) == (LinkClass.ERROR, "too many redirects (more than 3)")
    assert len(result.redirects) == 4


def test_cookie_set_then_redirect_to_self_is_not_a_loop(server):
    def gate(request):
        if request.cookies.get("seen") == "1":
            return Response("content")
        return Response("", status=302, headers={"Location": "/gate", "Set-Cookie": "seen=1; Path=/"})

    server.expect_request("/gate").respond_with_handler(gate)
    result = check(server.url_for("/gate"))
    assert (result.link_class, result.http_status, len(result.redirects)) == (LinkClass.OK, 200, 1)


@pytest.mark.parametrize(("status", "reason"), [(404, "Not Found"), (410, "Gone")])
def test_404_and_410_are_broken(server, status, reason):
    handler = Counter(Response("", status=status))
    server.expect_request("/gone").respond_with_handler(handler)
    result = check(server.url_for("/gone"))
    assert (result.link_class, result.http_status, result.error) == (
        LinkClass.BROKEN,
        status,
        f"HTTP {status} {reason}",
    )
    # A HEAD failure is confirmed with GET before it counts.
    assert [m for m, _, _ in handler.seen] == ["HEAD", "GET"]
    assert (result.method, result.attempts) == ("GET", 1)


def test_405_on_head_then_200_on_get_is_ok(server):
    server.expect_request("/nohead", method="HEAD").respond_with_data("", status=405)
    server.expect_request("/nohead", method="GET").respond_with_data("body")
    result = check(server.url_for("/nohead"))
    assert (result.link_class, result.http_status, result.method, result.error) == (LinkClass.OK, 200, "GET", "")


def test_403_to_robots_is_blocked_not_broken(server):
    server.expect_request("/private").respond_with_data("Forbidden", status=403)
    result = check(server.url_for("/private"))
    assert (result.link_class, result.http_status, result.error) == (LinkClass.BLOCKED, 403, "HTTP 403 Forbidden")


def test_999_is_blocked(server):
    server.expect_request("/linkedin").respond_with_data("", status=999)
    result = check(server.url_for("/linkedin"))
    assert (result.link_class, result.http_status) == (LinkClass.BLOCKED, 999)


def test_cloudflare_challenge_is_blocked(server):
    page = "<html><head><title>Just a moment...</title></head><body>checking</body></html>"
    server.expect_request("/cf").respond_with_data(page, status=403, content_type="text/html")
    result = check(server.url_for("/cf"))
    assert (result.link_class, result.rule, result.error) == (LinkClass.BLOCKED, "challenge-page", "bot challenge page")


def test_429_with_retry_after_is_honoured(server):
    handler = Counter(Response("slow down", status=429, headers={"Retry-After": "1"}), Response("fine"))
    server.expect_request("/limited").respond_with_handler(handler)
    result = check(server.url_for("/limited"))
    assert (result.link_class, result.http_status, result.attempts) == (LinkClass.OK, 200, 2)
    assert result.retry_wait == 1.0
    assert [m for m, _, _ in handler.seen] == ["HEAD", "GET"]


def test_429_with_retry_after_above_the_cap_stops_retrying(server):
    handler = Counter(Response("slow down", status=429, headers={"Retry-After": "120"}))
    server.expect_request("/limited-long").respond_with_handler(handler)
    result = check(server.url_for("/limited-long"))
    assert (result.link_class, result.http_status, result.attempts) == (LinkClass.BLOCKED, 429, 1)
    assert (result.retry_wait, result.error) == (0.0, "HTTP 429 Too Many Requests")
    assert len(handler.seen) == 1


def test_503_then_200_is_retried_with_backoff(server):
    handler = Counter(Response("busy", status=503), Response("back"))
    server.expect_request("/flaky").respond_with_handler(handler)
    result = check(server.url_for("/flaky"))
    assert (result.link_class, result.http_status, result.attempts, result.retry_wait) == (LinkClass.OK, 200, 2, 0.05)
    assert [m for m, _, _ in handler.seen] == ["HEAD", "GET"]


def test_persistent_503_is_an_error_after_bounded_retries(server):
    handler = Counter(Response("down", status=503))
    server.expect_request("/down").respond_with_handler(handler)
    result = check(server.url_for("/down"))
    assert (result.link_class, result.http_status, result.error) == (
        LinkClass.ERROR,
        503,
        "HTTP 503 Service Unavailable",
    )
    assert result.attempts == 3
    assert result.retry_wait == pytest.approx(0.05 + 0.10)
    assert len(handler.seen) == 3


def test_response_slower_than_the_timeout(server):
    def slow(request):
        time.sleep(1.0)
        return Response("late")

    server.expect_request("/slow").respond_with_handler(slow)
    result = check(server.url_for("/slow"), total_timeout=0.3, retries=1)
    assert (result.link_class, result.http_status, result.error) == (
        LinkClass.TIMEOUT,
        None,
        "timed out waiting for the response",
    )
    assert result.attempts == 2


@pytest.fixture
def resetting_server():
    """A TCP server on loopback that reads each request and answers with a connection reset (RST)."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    accepted = []
    stop = threading.Event()

    def serve():
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            conn.settimeout(2)
            try:
                accepted.append(conn.recv(65536).split(b" ", 1)[0].decode())
            except OSError:
                accepted.append("")
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield listener.getsockname()[1], accepted
    stop.set()
    thread.join(2)
    listener.close()


def test_reset_connection_is_an_error(resetting_server):
    port, methods = resetting_server
    result = check(f"http://127.0.0.1:{port}/reset", retries=1)
    assert result.link_class == LinkClass.ERROR
    assert result.http_status is None
    assert result.error.startswith("connection reset")
    # HEAD reset -> GET, then one retry of the GET.
    assert (result.method, result.attempts) == ("GET", 2)
    assert methods == ["HEAD", "GET", "GET"]
    assert result.retry_wait == 0.05


def test_refused_connection_is_broken():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # nothing listens once closed
    result = check(f"http://127.0.0.1:{port}/x")
    assert (result.link_class, result.error) == (LinkClass.BROKEN, f"connection refused by 127.0.0.1:{port}")


def test_unknown_host_is_broken():
    result = check("http://no-such-host.invalid/page")
    assert result.link_class == LinkClass.BROKEN
    assert result.error.startswith("unknown host no-such-host.invalid")


def test_deleted_wechat_article_is_soft_404(server, fake_dns):
    fake_dns({"mp.weixin.qq.com": "127.0.0.1"})
    page = "<html><body><div class='weui-msg'>该内容已被发布者删除</div></body></html>"
    handler = Counter(Response(page, content_type="text/html; charset=utf-8"))
    server.expect_request("/s/abc").respond_with_handler(handler)
    result = check(f"http://mp.weixin.qq.com:{server.port}/s/abc")
    assert (result.link_class, result.http_status, result.rule) == (LinkClass.SOFT_404, 200, "wechat-deleted")
    assert result.error == "WeChat: the article was deleted by its author"
    # Content rules need the page: GET directly, with the site's own Host header.
    assert [m for m, _, _ in handler.seen] == ["GET"]
    assert handler.seen[0][2]["Host"] == f"mp.weixin.qq.com:{server.port}"


def test_violation_notice_in_gzip_page_is_soft_404(server, fake_dns):
    fake_dns({"mp.weixin.qq.com": "127.0.0.1"})
    body = gzip.compress("<p>此内容因违规无法查看</p>".encode())
    server.expect_request("/s/gz").respond_with_data(
        body, headers={"Content-Encoding": "gzip"}, content_type="text/html; charset=utf-8"
    )
    result = check(f"http://mp.weixin.qq.com:{server.port}/s/gz")
    assert (result.link_class, result.rule) == (LinkClass.SOFT_404, "wechat-violation")


def test_live_wechat_article_is_ok(server, fake_dns):
    fake_dns({"mp.weixin.qq.com": "127.0.0.1"})
    server.expect_request("/s/live").respond_with_data("<h1>大模型训练指南</h1>", content_type="text/html")
    result = check(f"http://mp.weixin.qq.com:{server.port}/s/live")
    assert (result.link_class, result.rule, result.error) == (LinkClass.OK, "", "")


def test_huge_body_reading_is_capped(server):
    cap = 64 * 1024
    marker_rule = ContentRule(
        name="test-gone", result="soft_404", message="gone", hosts=("127.0.0.1",), body_contains=("GONE-MARKER",)
    )
    served = {"bytes": 0}

    def huge(request):
        def body():
            chunk = b"x" * 16384
            for _ in range(1280):  # 20 MiB, the marker only after the first MiB
                served["bytes"] += len(chunk)
                yield chunk
                if served["bytes"] == 1024 * 1024:
                    yield b"GONE-MARKER"

        return Response(body(), content_type="text/html")

    server.expect_request("/huge").respond_with_handler(huge)
    server.expect_request("/early").respond_with_data("GONE-MARKER" + "x" * 300_000, content_type="text/html")
    results = check_urls(
        [server.url_for("/huge"), server.url_for("/early")],
        checker_config(max_body_bytes=cap, rules=(*rules_load(), marker_rule)),
    )
    huge_result, early_result = results
    assert huge_result.link_class == LinkClass.OK  # the marker lies beyond what is read
    assert huge_result.method == "GET"
    assert cap <= huge_result.bytes_read < cap + 65536
    assert early_result.link_class == LinkClass.SOFT_404
    assert cap <= early_result.bytes_read < cap + 65536


def test_non_ascii_url_and_fragment_are_sent_as_stored(server):
    handler = Counter(Response("ok"))
    server.expect_request("/文章/a b").respond_with_handler(handler)
    stored = server.url_for("/") + "文章/a%20b?q=中文&x=%2F&y=100%25#第二节"
    result = check(stored)
    assert result.link_class == LinkClass.OK
    # Non-ASCII is percent-encoded as UTF-8; existing escapes (%20, %2F, %25) are untouched; no fragment.
    assert handler.seen[0][1] == "/%E6%96%87%E7%AB%A0/a%20b?q=%E4%B8%AD%E6%96%87&x=%2F&y=100%25"
    assert result.final_url == stored.split("#")[0]


def test_international_domain_name_goes_out_as_punycode(server, fake_dns):
    lookups = fake_dns({"xn--bcher-kva.test": "127.0.0.1"})
    handler = Counter(Response("ok"))
    server.expect_request("/idn").respond_with_handler(handler)
    result = check(f"http://Bücher.test:{server.port}/idn")
    assert result.link_class == LinkClass.OK
    assert lookups == ["xn--bcher-kva.test"]
    assert handler.seen[0][2]["Host"] == f"xn--bcher-kva.test:{server.port}"


def test_per_host_concurrency_and_delay_are_respected(server):
    state = {"now": 0, "max": 0, "starts": []}
    lock = threading.Lock()

    def slowish(request):
        with lock:
            state["now"] += 1
            state["max"] = max(state["max"], state["now"])
            state["starts"].append(time.monotonic())
        time.sleep(0.15)
        with lock:
            state["now"] -= 1
        return Response("ok")

    server.expect_request("/c").respond_with_handler(slowish)
    urls = [server.url_for("/c") + f"?n={i}" for i in range(6)]
    results = check_urls(urls, checker_config(per_host_concurrency=2, per_host_delay=0.05, concurrency=10))
    assert [r.link_class for r in results] == [LinkClass.OK] * 6
    assert state["max"] == 2
    # Six starts at least 0.05 s apart span at least 0.25 s (measured at the server, so allow some jitter).
    starts = sorted(state["starts"])
    assert starts[-1] - starts[0] >= 0.2


@pytest.mark.parametrize(
    ("url", "error"),
    [
        ("ftp://example.org/file", "unsupported URL scheme 'ftp'"),
        ("https:///nohost", "URL has no host"),
        ("http://example.org:99999/", "invalid URL: Port out of range 0-65535"),
    ],
)
def test_invalid_urls_are_errors_without_network(url, error):
    result = check(url)
    assert (result.link_class, result.error, result.attempts) == (LinkClass.ERROR, error, 0)


def test_url_target_keeps_escapes_and_encodes_only_what_cannot_be_sent():
    target = url_target("https://例子.测试/路径/%7Euser/a b?q=x y&r=%zz#frag")
    assert (target.scheme, target.host, target.port) == ("https", "xn--fsqu00a.xn--0zwm56d", 443)
    assert target.target == "/%E8%B7%AF%E5%BE%84/%7Euser/a%20b?q=x%20y&r=%zz"
    assert target.fragment == "frag"
    assert host_to_ascii("Example.ORG.") == "example.org"


def test_retry_after_parses_seconds_and_http_dates():
    from datetime import UTC, datetime

    now = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
    assert retry_after_seconds("7", now) == 7.0
    assert retry_after_seconds("Thu, 01 Jan 2026 12:00:30 GMT", now) == 30.0
    assert retry_after_seconds("Thu, 01 Jan 2026 11:00:00 GMT", now) == 0.0
    assert retry_after_seconds("soon", now) is None
    assert retry_after_seconds(None, now) is None

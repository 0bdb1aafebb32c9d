"""Content rules are data: matching and loading."""

import pytest

from linkcheck.rules import DEFAULT_RULES, ContentRule, rules_load


def rule(name):
    return next(r for r in DEFAULT_RULES if r.name == name)


def test_host_rules_cover_subdomains_only():
    zhihu = rule("zhihu-gone")
    assert zhihu.applies_to_host("zhuanlan.zhihu.com") and zhihu.applies_to_host("zhihu.com")
    assert not zhihu.applies_to_host("notzhihu.com")


@pytest.mark.parametrize(
    ("name", "host", "status", "body", "expected"),
    [
        ("wechat-deleted", "mp.weixin.qq.com", 200, "<p>该内容已被发布者删除</p>", True),
        ("wechat-deleted", "mp.weixin.qq.com", 404, "<p>该内容已被发布者删除</p>", False),
        ("wechat-deleted", "example.org", 200, "<p>该内容已被发布者删除</p>", False),
        ("wechat-violation", "mp.weixin.qq.com", 200, "此内容因违规无法查看", True),
        ("bilibili-gone", "www.bilibili.com", 200, "啊叻？视频不见了？", True),
        ("challenge-page", "any.example.org", 503, "<title>Just a moment...</title>", True),
        ("challenge-page", "any.example.org", 200, "<title>Just a moment...</title>", False),
    ],
)
def test_body_rules(name, host, status, body, expected):
    assert (
        rule(name).matches(host=host, status=status, headers={}, body=body, final_url="", redirected=False) is expected
    )


def test_redirect_to_a_404_page_rule_needs_a_redirect():
    r = rule("redirect-to-404-page")
    assert r.matches(host="x.org", status=200, headers={}, body="", final_url="https://x.org/404.html", redirected=True)
    assert not r.matches(
        host="x.org", status=200, headers={}, body="", final_url="https://x.org/404.html", redirected=False
    )
    assert not r.matches(
        host="x.org", status=200, headers={}, body="", final_url="https://x.org/blog/4040-tips", redirected=True
    )


def test_header_rule():
    r = rule("cloudflare-challenge-header")
    assert r.matches(
        host="a.org", status=403, headers={"cf-mitigated": "challenge"}, body="", final_url="", redirected=False
    )


def test_rules_load_appends_extra_rules_and_rejects_bad_ones():
    rules = rules_load(extra=[{"name": "x", "result": "blocked", "hosts": ["Example.ORG"], "statuses": [200]}])
    assert rules[-1] == ContentRule(name="x", result="blocked", message="", hosts=("example.org",), statuses=(200,))
    with pytest.raises(ValueError, match="result must be"):
        rules_load(extra=[{"name": "y", "result": "gone"}])

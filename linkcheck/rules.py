"""Content rules: data that turns a page which *answers* into a soft-404 or a bot block.

A site can answer 200 for content that is gone (a deleted WeChat article says "该内容已被发布者删除") or
answer a robot with a challenge page instead of the content. Status codes cannot tell, so the checker
reads the first bytes of such pages and applies these rules. Rules are plain data: add one to
:data:`DEFAULT_RULES`, or without a code change list extra ones in a JSON file named by the
``LINKCHECK_RULES_FILE`` setting (a list of objects with the fields of :class:`ContentRule`).

A rule whose ``hosts`` names a site and whose ``statuses`` include a 2xx code makes the checker GET that
site's pages directly (a HEAD response has no body to read).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

SOFT_404 = "soft_404"
BLOCKED = "blocked"


@dataclass(frozen=True)
class ContentRule:
    """One detection rule.

    Attributes:
        name: short identifier, stored with the result (``"wechat-deleted"``).
        result: ``"soft_404"`` or ``"blocked"``.
        hosts: host names the rule applies to; a name also matches its subdomains; empty: every host.
        statuses: HTTP statuses the rule applies to; empty: every status.
        body_contains: the rule matches when the page's first bytes contain any of these strings.
        header: ``(name, substring)``: the rule matches when that response header contains the substring.
        final_url_regex: the rule matches when the request was redirected and the final URL matches this
            regex (a URL that is itself ``/404.html`` is not a soft-404 by this rule).
        message: the explanation shown to admins.
    A rule with several conditions matches only when all of them hold (and any one of ``body_contains``).
    """

    name: str
    result: str
    message: str
    hosts: tuple[str, ...] = ()
    statuses: tuple[int, ...] = ()
    body_contains: tuple[str, ...] = ()
    header: tuple[str, str] | None = None
    final_url_regex: str = ""
    _regex: re.Pattern | None = field(default=None, compare=False, repr=False)

    def __post_init__(self):
        if self.result not in (SOFT_404, BLOCKED):
            raise ValueError(f"rule {self.name!r}: result must be {SOFT_404!r} or {BLOCKED!r}")
        if self.final_url_regex:
            object.__setattr__(self, "_regex", re.compile(self.final_url_regex, re.IGNORECASE))

    def applies_to_host(self, host: str) -> bool:
        """True when the rule covers ``host`` (lower-case ASCII host name)."""
        return not self.hosts or any(host == h or host.endswith("." + h) for h in self.hosts)

    @property
    def needs_body(self) -> bool:
        """True when the rule reads the page body."""
        return bool(self.body_contains)

    def matches(
        self, *, host: str, status: int, headers: Mapping[str, str], body: str, final_url: str, redirected: bool
    ) -> bool:
        """Apply the rule to one response (``body`` is the decoded first bytes, may be empty; ``headers`` is a
        mapping whose ``get`` ignores case, such as ``httpx.Headers``, or one with lower-case keys)."""
        if not self.applies_to_host(host) or (self.statuses and status not in self.statuses):
            return False
        if self.header is not None:
            name, needle = self.header
            if needle.lower() not in headers.get(name, "").lower():
                return False
        if self._regex is not None and not (redirected and self._regex.search(final_url)):
            return False
        return not (self.body_contains and not any(needle in body for needle in self.body_contains))

    @classmethod
    def from_dict(cls, data: Mapping) -> ContentRule:
        """Build a rule from JSON data; raises ``ValueError``/``TypeError`` on a malformed one."""
        header = data.get("header")
        return cls(
            name=str(data["name"]),
            result=str(data["result"]),
            message=str(data.get("message", "")),
            hosts=tuple(str(h).lower() for h in data.get("hosts", ())),
            statuses=tuple(int(s) for s in data.get("statuses", ())),
            body_contains=tuple(str(s) for s in data.get("body_contains", ())),
            header=(str(header[0]).lower(), str(header[1])) if header else None,
            final_url_regex=str(data.get("final_url_regex", "")),
        )


_OK = (200, 203)
_CHALLENGE = (403, 429, 503)

#: The built-in rules. Sources: pages observed on each site (the exact notices they show).
DEFAULT_RULES: tuple[ContentRule, ...] = (
    # --- WeChat official-account articles (mp.weixin.qq.com) answer 200 whatever happened. ---
    ContentRule(
        name="wechat-deleted",
        result=SOFT_404,
        message="WeChat: the article was deleted by its author",
        hosts=("mp.weixin.qq.com",),
        statuses=_OK,
        body_contains=("该内容已被发布者删除", "此内容已被发布者删除"),
    ),
    ContentRule(
        name="wechat-violation",
        result=SOFT_404,
        message="WeChat: the article was removed for violating rules",
        hosts=("mp.weixin.qq.com",),
        statuses=_OK,
        body_contains=(
            "此内容因违规无法查看",
            "此内容因涉嫌违反相关法律法规和政策无法查看",
            "此内容被投诉且经审核涉嫌侵权，无法查看",
            "该公众号已迁移",
            "该账号已被屏蔽",
        ),
    ),
    ContentRule(
        name="wechat-verify",
        result=BLOCKED,
        message="WeChat: verification page for automated visitors",
        hosts=("mp.weixin.qq.com",),
        statuses=_OK,
        body_contains=("环境异常", "完成验证后即可继续访问"),
    ),
    # --- Zhihu columns and answers. ---
    ContentRule(
        name="zhihu-gone",
        result=SOFT_404,
        message="Zhihu: the content was deleted or cannot be shown",
        hosts=("zhihu.com",),
        statuses=_OK,
        body_contains=("你似乎来到了没有知识存在的荒原", "该文章已被删除", "该内容暂无法显示", "内容已被删除"),
    ),
    ContentRule(
        name="zhihu-unhuman",
        result=BLOCKED,
        message="Zhihu: anti-robot check",
        hosts=("zhihu.com",),
        statuses=(*_OK, 403),
        body_contains=("unhuman", "系统监测到您的网络环境存在异常"),
    ),
    # --- Bilibili videos. ---
    ContentRule(
        name="bilibili-gone",
        result=SOFT_404,
        message="Bilibili: the video is gone",
        hosts=("bilibili.com",),
        statuses=_OK,
        body_contains=("啊叻？视频不见了？", "视频去哪了呢？", "稿件不可见"),
    ),
    # --- Any host: bot challenges in front of the real page. ---
    ContentRule(
        name="cloudflare-challenge-header",
        result=BLOCKED,
        message="Cloudflare bot challenge",
        header=("cf-mitigated", "challenge"),
    ),
    ContentRule(
        name="challenge-page",
        result=BLOCKED,
        message="bot challenge page",
        statuses=_CHALLENGE,
        body_contains=(
            "<title>Just a moment...</title>",
            "Attention Required! | Cloudflare",
            "cf-browser-verification",
            "Checking your browser before accessing",
            "captcha",
            "验证码",
        ),
    ),
    # --- Any host: a redirect that lands on an error page that answers 200. ---
    ContentRule(
        name="redirect-to-404-page",
        result=SOFT_404,
        message="redirected to a “not found” page",
        statuses=_OK,
        final_url_regex=r"/(404|not[-_]?found|page[-_]?not[-_]?found|error/404)(\.s?html?|\.php|\.aspx?)?/?(\?|$)",
    ),
)


def rules_load(extra: Iterable[Mapping] = (), path: str | Path | None = None) -> tuple[ContentRule, ...]:
    """The default rules followed by ``extra`` ones and those in the JSON file ``path``.

    Raises ``ValueError`` (with the file name) when the file is not a JSON list of valid rules.
    """
    rules = list(DEFAULT_RULES)
    rules.extend(ContentRule.from_dict(item) for item in extra)
    if path:
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
            if not isinstance(data, list):
                raise ValueError("expected a JSON list of rules")
            rules.extend(ContentRule.from_dict(item) for item in data)
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"LINKCHECK_RULES_FILE {path}: {exc}") from exc
    return tuple(rules)

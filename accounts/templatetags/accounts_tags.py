"""Template tags for the account pages: the sign-up policy and the failed-login limit."""

from django import template

from accounts.selectors import login_failed_limit, signup_allowed_domains, signup_mode

register = template.Library()


@register.simple_tag
def signup_policy() -> dict:
    """``{% signup_policy as policy %}``: ``policy.mode`` ("invite", "domain" or "open") and
    ``policy.domains`` (the allowed domains, joined with ", " and each prefixed with "@")."""
    return {
        "mode": signup_mode(),
        "domains": ", ".join(f"@{domain}" for domain in signup_allowed_domains()),
    }


@register.simple_tag
def login_limit():
    """``{% login_limit as limit %}``: the per-address failed-login limit (``limit.attempts`` within
    ``limit.minutes`` minutes), or ``None`` when rate limiting is off."""
    return login_failed_limit()

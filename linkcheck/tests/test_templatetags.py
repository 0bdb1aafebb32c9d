"""The ``error_display`` filter: known checker errors in the active language, anything else as is."""

import pytest
from django.utils import translation

from linkcheck.templatetags.linkcheck import error_display


@pytest.mark.parametrize(
    ("raw", "english", "chinese"),
    [
        ("file not uploaded", "File not uploaded", "文件未上传"),
        (
            "uploaded file refs/a.pdf is missing from storage",
            "Uploaded file refs/a.pdf is missing",
            "已上传的文件 refs/a.pdf 丢失",
        ),
        (
            "unknown host nope.invalid (Name or service not known)",
            "Unknown host nope.invalid (the name does not resolve)",
            "未知主机 nope.invalid（域名无法解析）",
        ),
        (
            "unknown host nope.invalid",
            "Unknown host nope.invalid (the name does not resolve)",
            "未知主机 nope.invalid（域名无法解析）",
        ),
        (
            "network unavailable: no address for a.org, b.org, c.org; nothing was recorded",
            "Network unavailable: no address for a.org, b.org, c.org; nothing was recorded",
            "网络不可用：无法解析 a.org, b.org, c.org 的地址；未记录任何结果",
        ),
        ("connection refused by example.org:443", "Connection refused by example.org", "example.org 拒绝连接"),
        ("connecting to example.org (93.184.216.34) timed out", "Timed out", "超时"),
        ("too many redirects (more than 10)", "Too many redirects (more than 10)", "重定向次数过多（超过 10 次）"),
        (
            "moved permanently to https://b.org/x",
            "Moved permanently to https://b.org/x",
            "已永久迁移至 https://b.org/x",
        ),
        (
            "refused by the SSRF guard: intranet resolves to 10.0.0.1, private address",
            "Not checked: the address is private or reserved",
            "未检查：该地址为内网或保留地址",
        ),
        ("HTTP 404 Not Found", "HTTP 404 Not Found", "HTTP 404 Not Found"),
        ("", "", ""),
    ],
)
def test_error_display(raw, english, chinese):
    with translation.override("en"):
        assert error_display(raw) == english
    with translation.override("zh-hans"):
        assert error_display(raw) == chinese

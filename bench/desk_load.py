"""Print desk under load: latency and throughput over HTTP on 127.0.0.1.

Run from the repository root (not part of the tests)::

    .venv/bin/python bench/desk_load.py                 # 200 requests, 8 at a time
    .venv/bin/python bench/desk_load.py --requests 400 --concurrency 16 --workers 2

It builds three languages (A4, standard) into a temporary folder, starts
``generate.py serve`` on a free port as its own process, and then:

1. **mixed**: ``--requests`` requests from ``--concurrency`` clients, half of them
   leaflets from the build output (GET) and half personalised renders (POST,
   Print), spread over the three languages;
2. **single**: personalised renders one at a time, after a warm-up: the time of
   one warm render;
3. **four users**: personalised renders from 4 clients at once, to compare their
   p95 with the single render's (target: at most 2x on 2 CPUs).

Any answer but 200 with a PDF counts as an error. Deterministic inputs; the
timings are the machine's.
"""

from __future__ import annotations

import argparse
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from http.cookiejar import CookieJar
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HANDOUT = "stockholm-syndrome-treatment"
LANGS = ("es", "ar", "zh_CN")
NOTES = {"es": "Tome el medicamento después del desayuno.",
         "ar": "تناولي الدواء بعد الفطور",
         "zh_CN": "早饭后服药，两周后复诊"}  # noqa: RUF001


class Client:
    """One member of staff: a cookie jar and the form's token."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(CookieJar()))
        page = self.opener.open(f"{url}/leaflet/es/{HANDOUT}", timeout=60).read().decode()
        self.fields = dict(re.findall(
            r'<input type="hidden" name="([a-z]+)" value="([^"]*)">', page))

    def cached(self, code: str) -> tuple[float, bool]:
        started = time.perf_counter()
        with self.opener.open(f"{self.url}/pdf/{code}/{HANDOUT}?paper=a4&format=standard",
                              timeout=300) as response:
            ok = response.status == 200 and response.read().startswith(b"%PDF")
        return time.perf_counter() - started, ok

    def personal(self, code: str, n: int) -> tuple[float, bool]:
        body = urllib.parse.urlencode(self.fields | {
            "name": f"Patient {n}", "clinician": "Dr Rivera", "note": NOTES[code],
            "appointment": "2026-12-20T10:15", "action": "print"}).encode()
        started = time.perf_counter()
        try:
            with self.opener.open(f"{self.url}/personal/{code}/{HANDOUT}", data=body,
                                  timeout=300) as response:
                ok = response.status == 200 and response.read().startswith(b"%PDF")
        except urllib.error.HTTPError:
            ok = False
        return time.perf_counter() - started, ok


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait(url: str, server: subprocess.Popen[bytes]) -> None:
    for _ in range(600):
        if server.poll() is not None:
            raise SystemExit("the print desk did not start")
        try:
            urllib.request.urlopen(url + "/", timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("the print desk did not answer in 60 s")


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def _report(name: str, timings: list[tuple[float, bool]], wall: float) -> float:
    seconds = [t for t, _ok in timings]
    errors = sum(1 for _t, ok in timings if not ok)
    p95 = _percentile(seconds, 0.95)
    print(f"{name:<28} {len(timings):>5} requests  {errors} errors  p50"
          f" {statistics.median(seconds) * 1000:7.0f} ms  p95 {p95 * 1000:7.0f} ms"
          f"  {len(timings) / wall:6.1f} requests/s (in that wall time)")
    return p95


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--queue", type=int, default=16)
    args = parser.parse_args(argv)

    python = sys.executable
    with tempfile.TemporaryDirectory(prefix="desk-load-") as scratch:
        out = Path(scratch) / "out"
        subprocess.run([python, "generate.py", "build", "--out", str(out), "--quiet",
                        "--handout", HANDOUT, *[a for code in LANGS for a in ("--lang", code)]],
                       cwd=ROOT, check=True)
        port = _free_port()
        server = subprocess.Popen([python, "generate.py", "serve", "--port", str(port),
                                   "--out", str(out), "--workers", str(args.workers),
                                   "--queue", str(args.queue)], cwd=ROOT,
                                  stdout=subprocess.DEVNULL)
        url = f"http://127.0.0.1:{port}"
        try:
            _wait(url, server)
            print(f"{os.cpu_count()} CPUs, {args.workers} workers, queue {args.queue}")
            clients = [Client(url) for _ in range(max(args.concurrency, 4))]
            for code in LANGS:  # warm: each worker has loaded each language once
                for client in clients[:args.workers]:
                    client.personal(code, 0)

            def one(n: int) -> tuple[float, bool]:
                client: Client = clients[n % args.concurrency]
                code = LANGS[n % len(LANGS)]
                return client.cached(code) if n % 2 else client.personal(code, n)

            started = time.perf_counter()
            with ThreadPoolExecutor(args.concurrency) as pool:
                mixed = list(pool.map(one, range(args.requests)))
            wall = time.perf_counter() - started
            _report(f"mixed, {args.concurrency} at a time", mixed, wall)
            _report("  of which from the build", mixed[1::2], wall)
            _report("  of which personalised", mixed[0::2], wall)

            started = time.perf_counter()
            single = [clients[0].personal(LANGS[n % len(LANGS)], n) for n in range(24)]
            one_p95 = _report("personalised, one at a time", single,
                              time.perf_counter() - started)
            one_median = statistics.median(t for t, _ok in single)

            def four(n: int) -> tuple[float, bool]:
                client: Client = clients[n % 4]
                return client.personal(LANGS[n % len(LANGS)], n)

            started = time.perf_counter()
            with ThreadPoolExecutor(4) as pool:
                together = list(pool.map(four, range(48)))
            p95 = _report("personalised, 4 users", together, time.perf_counter() - started)
            print(f"4 users' p95 / one warm render (median): {p95 / one_median:.2f}"
                  f" (p95 / p95: {p95 / one_p95:.2f})")
            errors = sum(1 for _t, ok in [*mixed, *single, *together] if not ok)
        finally:
            server.terminate()
            server.wait(timeout=30)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())

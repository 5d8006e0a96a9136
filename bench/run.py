"""`make bench`: requests/s and p99 latency of the public pages (the village board and the demo's
complete 四议两公开 case among them), SQL queries per page, pocket book.

Serves the demo county (the database `make setup` built) with granian, 2 workers, on a free port;
warms up; then drives each URL with wrk (2 threads, 32 connections, --latency) for DURATION
seconds. `/hello` is the plain baseline: the gap between it and a page is what Django, the
templates and the database cost. Query counts come from Django's test client in this process.
The pocket book (the village's list as an A5 PDF) is timed in this process too: rendered cold
(into a temporary cache), then served from that cache.
Prints a table and writes bench/out/results.json. The server is stopped however the run ends.
"""

from __future__ import annotations

import json
import os
import platform
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
VILLAGE = "610522103001"  # 桐峪镇东晓社区
ITEM = "ZC01"  # the first item of the list, and an F1 (四议两公开) one: the longest kind of page
TARGETS = [
    ("hello", "/hello"),
    ("village", f"/v/{VILLAGE}/"),
    ("home", "/"),
    ("list", f"/v/{VILLAGE}/list/"),
    ("item", f"/v/{VILLAGE}/list/{ITEM}/"),
    ("board", f"/v/{VILLAGE}/board/"),  # the demo board (make setup: load_demo_board) + overdue notice
]
QUERY_PAGES = [
    ("village", f"/v/{VILLAGE}/"),
    ("township", f"/t/{VILLAGE[:9]}/"),
    ("home", "/"),
    ("list", f"/v/{VILLAGE}/list/"),
    ("item", f"/v/{VILLAGE}/list/{ITEM}/"),
    ("board", f"/v/{VILLAGE}/board/"),
    ("schedule", f"/v/{VILLAGE}/board/schedule/"),
]
# The demo's complete 四议两公开 case (make setup: load_demo_cases); its id is made when it is loaded.
DEMO_CASE = "硬化二组生产路（一事一议）"
POCKET_BOOK = f"/v/{VILLAGE}/pocket-book.pdf"
CACHED_BOOK_RUNS = 20
# As deploy/sunlight.service runs it: 2 workers of 4 blocking threads each.
WORKERS = 2
BLOCKING_THREADS = 4
THREADS = 2
CONNECTIONS = 32
DURATION = int(os.environ.get("BENCH_SECONDS", "10"))
WARMUP_REQUESTS = 200
STARTUP_SECONDS = 20
_UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str) -> int:
    with urllib.request.urlopen(url, timeout=5) as response:
        response.read()
        return int(response.status)


def _start_server(port: int) -> subprocess.Popen[bytes]:
    granian = Path(sys.executable).parent / "granian"
    cmd = [
        str(granian),
        "--interface",
        "wsgi",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(WORKERS),
        "--blocking-threads",
        str(BLOCKING_THREADS),
        "--no-ws",
        "--log-level",
        "warning",
        "sunlight.wsgi:application",
    ]
    return subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _wait_until_up(base: str, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
            raise RuntimeError(f"granian exited with {proc.returncode}:\n{err[-2000:]}")
        try:
            if _get(f"{base}/hello") == 200:
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"granian did not answer on {base} within {STARTUP_SECONDS} s")


def _stop_server(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)


def _warm_up(base: str) -> None:
    """Every worker imports, compiles its templates and opens its database connection first."""
    for i in range(WARMUP_REQUESTS):
        _, path = TARGETS[i % len(TARGETS)]
        status = _get(base + path)
        if status != 200:
            raise RuntimeError(f"{path} answered {status} during warm-up")


def _ms(value: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value.strip())
    if not match:
        raise ValueError(f"cannot read wrk latency {value!r}")
    return float(match.group(1)) * _UNIT_MS[match.group(2)]


def parse_wrk(output: str) -> dict[str, Any]:
    """Requests/s, latency percentiles and errors from `wrk --latency` output."""
    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    if rps is None:
        raise ValueError(f"no Requests/sec in wrk output:\n{output}")
    percentiles = {f"p{p}_ms": _ms(v) for p, v in re.findall(r"^\s+(50|75|90|99)%\s+(\S+)", output, re.M)}
    total = re.search(r"(\d+) requests in", output)
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    return {
        "requests_per_s": float(rps.group(1)),
        **percentiles,
        "requests": int(total.group(1)) if total else None,
        "non_2xx": int(non_2xx.group(1)) if non_2xx else 0,
        "socket_errors": sum(int(n) for n in socket_errors.groups()) if socket_errors else 0,
    }


def _wrk(base: str, path: str) -> dict[str, Any]:
    cmd = ["wrk", f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{DURATION}s", "--latency", base + path]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=DURATION + 30, check=True)
    return parse_wrk(done.stdout)


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sunlight.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def _add_case_pages() -> None:
    """The village's cases and the demo's complete case, in both tables (when the demo has them)."""
    _django()
    from django.db import connection

    from sunlight.cases.models import Case

    case = Case.objects.filter(village__code=VILLAGE, title=DEMO_CASE).values_list("public_id", flat=True).first()
    connection.close()
    pages = [("cases", f"/v/{VILLAGE}/cases/")]
    if case is not None:
        pages.append(("case", f"/v/{VILLAGE}/cases/{case}/"))
    TARGETS.extend(pages)
    QUERY_PAGES.extend(pages)


def _queries_per_page() -> dict[str, dict[str, int]]:
    """SQL queries and bytes of each public page, anonymous, through Django's test client."""
    _django()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="127.0.0.1")
    result = {}
    for name, path in QUERY_PAGES:
        client.get(path)  # first request pays for template compilation, not for queries
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(path)
        if response.status_code != 200:
            raise RuntimeError(f"{path} answered {response.status_code} in-process")
        result[name] = {"queries": len(ctx.captured_queries), "html_bytes": len(response.content)}
    connection.close()
    return result


def _pdf_pages(pdf: bytes) -> int | None:
    if shutil.which("pdfinfo") is None:
        return None
    done = subprocess.run(["pdfinfo", "-"], input=pdf, capture_output=True, timeout=60, check=True)
    match = re.search(rb"Pages:\s+(\d+)", done.stdout)
    return int(match.group(1)) if match else None


def _pocket_book() -> dict[str, Any]:
    """The village's pocket book: one cold rendering, then the median of cached downloads."""
    _django()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, override_settings

    client = Client(HTTP_HOST="127.0.0.1")
    with tempfile.TemporaryDirectory() as var, override_settings(VAR_DIR=Path(var)):
        start = time.perf_counter()
        response = client.get(POCKET_BOOK)
        cold = time.perf_counter() - start
        if response.status_code != 200:
            raise RuntimeError(f"{POCKET_BOOK} answered {response.status_code} in-process")
        pdf = response.content
        cached = []
        for _ in range(CACHED_BOOK_RUNS):
            with CaptureQueriesContext(connection) as ctx:
                start = time.perf_counter()
                again = client.get(POCKET_BOOK).content
                cached.append(time.perf_counter() - start)
            if again != pdf:
                raise RuntimeError("the cached pocket book differs from the one just rendered")
    connection.close()
    return {
        "path": POCKET_BOOK,
        "cold_s": round(cold, 2),
        "cached_ms": round(sorted(cached)[len(cached) // 2] * 1000, 1),
        "cached_queries": len(ctx.captured_queries),
        "pdf_bytes": len(pdf),
        "pages": _pdf_pages(pdf),
    }


def _table(runs: dict[str, dict[str, Any]], queries: dict[str, dict[str, int]]) -> str:
    lines = [
        f"{'page':<8} {'path':<28} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7} {'queries':>8} {'HTML B':>7}",
        "-" * 90,
    ]
    for name, path in TARGETS:
        r = runs[name]
        q = queries.get(name, {})
        shown = path if len(path) <= 28 else path[:27] + "…"  # a case's path ends in its 36-character id
        lines.append(
            f"{name:<8} {shown:<28} {r['requests_per_s']:>9.0f} {r.get('p50_ms', 0):>8.2f} {r.get('p99_ms', 0):>8.2f}"
            f" {r['non_2xx'] + r['socket_errors']:>7} {q.get('queries', '-')!s:>8} {q.get('html_bytes', '-')!s:>7}"
        )
    return "\n".join(lines)


def main() -> int:
    if shutil.which("wrk") is None:
        print("wrk is not installed (Debian: apt-get install wrk); no benchmark run.", file=sys.stderr)
        return 1
    load = [round(n, 2) for n in os.getloadavg()]
    _add_case_pages()
    queries = _queries_per_page()
    book = _pocket_book()
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    proc = _start_server(port)
    runs: dict[str, dict[str, Any]] = {}
    try:
        _wait_until_up(base, proc)
        _warm_up(base)
        for name, path in TARGETS:
            print(f"wrk {path} for {DURATION} s …", flush=True)
            runs[name] = _wrk(base, path)
    finally:
        _stop_server(proc)
    results = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            # The machine may be shared: the 1/5/15-minute load average when the run started.
            "load_average": load,
        },
        "server": {
            "granian_workers": WORKERS,
            "blocking_threads": BLOCKING_THREADS,
            "database": "SQLite (var/, from make setup)",
        },
        "wrk": {"threads": THREADS, "connections": CONNECTIONS, "seconds": DURATION},
        "pages": {name: {"path": path, **runs[name], **queries.get(name, {})} for name, path in TARGETS},
        "queries": queries,
        "pocket_book": book,
    }
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "results.json").write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print()
    print(_table(runs, queries))
    per_page = ", ".join(f"{name} {q['queries']}" for name, q in queries.items())
    print(f"\nSQL queries per page (anonymous): {per_page}")
    print(
        f"pocket book {book['path']}: {book['pages']} A5 pages, {book['pdf_bytes'] // 1024} KB;"
        f" rendered cold in {book['cold_s']:.2f} s, served from the cache in {book['cached_ms']:.1f} ms"
        f" (median of {CACHED_BOOK_RUNS}, {book['cached_queries']} queries)"
    )
    print(f"load average at the start (1/5/15 min): {' / '.join(str(n) for n in load)} on {os.cpu_count()} CPUs")
    print(f"written: {OUT / 'results.json'}")
    bad = [name for name, r in runs.items() if r["non_2xx"] or r["socket_errors"]]
    if bad:
        print(f"errors during the run: {', '.join(bad)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    status = main()
    # The transparency-log benchmark (bench/ledger.py) runs in its own process on a temporary database.
    ledger_status = subprocess.call([sys.executable, str(ROOT / "bench" / "ledger.py")])
    sys.exit(status or ledger_status)

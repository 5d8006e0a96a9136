"""Cases benchmark: 四议两公开 step completions per second, with their board posts and log entries,
on SQLite and on PostgreSQL; and the public case page's SQL queries with 1 step done and all 7.

Standalone: `python bench/cases.py` (`make bench` runs it after bench/run.py). Each database runs
in its own process on a fresh database — SQLite: a temporary file (WAL, synchronous=FULL, as
production); PostgreSQL: a temporary database `sunlight_bench_cases` on 127.0.0.1:5432 (user
postgres, created and dropped here; skipped when the server does not answer). Each process
migrates, loads the demo county and its lists, then:
  1. opens CASES cases of ZC05 (an F1 item, 7 steps) and runs every step of each through the
     real services with a moved date (bench time = the date the services see, stepped forward):
     materials, meetings (checked against the law), the supervision committee's signatures, two
     notices drafted, signed and published — each a board post and a transparency-log entry with
     its signed checkpoint — and the 7 completions;
  2. reads the public case page (/v/<village>/cases/<id>/) through Django's test client for a
     case with 1 step done and one with all 7 done, counting SQL queries: they must be equal.
Prints a table and writes bench/out/cases.json. The public page's req/s and p99 under wrk are
in bench/run.py's page table (the demo's complete case).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
VILLAGE = "610522103001"  # 桐峪镇东晓社区
ITEM = "ZC05"
CASES = int(os.environ.get("CASES_BENCH_CASES", "40"))
PG_ADMIN = "postgres://postgres@127.0.0.1:5432/postgres"
PG_DB = "sunlight_bench_cases"
START = dt.date(2026, 3, 2)  # a Monday; every case runs the same calendar
TIMEOUT = 240


# --- one database, in its own process ------------------------------------------------------------


def _setup(url: str, tmp: Path) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "sunlight.settings"
    os.environ["DATABASE_URL"] = url
    os.environ["VAR_DIR"] = str(tmp)
    os.environ["LEDGER_KEY_DIR"] = str(tmp / "keys")
    os.environ.setdefault("SECRET_KEY", "cases-bench-" + "x" * 50)
    os.environ["ALLOWED_HOSTS"] = "testserver"
    os.environ["HTTPS"] = "false"
    os.environ["DEBUG"] = "false"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    from sunlight.accounts.demo import demo_load

    # The demo people's passwords are hashed once each; PBKDF2's million rounds is not what is measured.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("migrate", verbosity=0)
    demo_load()
    call_command("catalogue_load", "--year", "2026", "--publish", verbosity=0, stdout=io.StringIO())


class _Flow:
    """One ZC05 case run step by step through the services, the date moved as it goes."""

    def __init__(self, people: dict[str, Any], move: Any) -> None:
        self.p, self.move = people, move
        self.calls = 0

    def _call(self, fn: Any, **kw: Any) -> Any:
        from sunlight.cases.models import Case

        self.calls += 1
        case = Case.objects.select_related("village", "item").get(pk=kw.pop("case").pk)
        return fn(case=case, **kw)

    def open(self) -> Any:
        from sunlight.cases import services
        from sunlight.places.models import Place

        self.move(START)
        self.calls += 1
        village = Place.objects.get(code=VILLAGE)
        return services.case_open(
            actor=self.p["secretary"], village=village, item_code=ITEM, title="硬化生产路（基准）", amount="36000"
        )

    def step(self, case: Any, position: int) -> None:
        """Everything step `position` needs, then its completion."""
        from sunlight.cases import services
        from sunlight.cases.models import CaseStep

        s = CaseStep.objects.get(case=case, position=position)
        actor = self.p["director"] if s.role == "director" else self.p["secretary"]
        day = START + dt.timedelta(days=2 * position)
        self.move(day)
        if s.materials:
            self._call(services.step_materials, actor=actor, case=case, position=position, present=list(s.materials))
        if s.meeting_kind:
            kind = "representatives" if s.decides else None
            size = {"two_committees": 7, "party_members": 60, "representatives": 40}[kind or s.meeting_kind]
            self._call(
                services.meeting_record,
                actor=actor,
                case=case,
                position=position,
                kind=kind,
                notice_date=day - dt.timedelta(days=6),
                held_on=day,
                agenda="硬化生产路",
                attendees=size,
                votes_for=size,
                votes_against=0,
                votes_abstain=0,
            )
        if s.publish_section:
            self._call(
                services.step_post_draft,
                actor=actor,
                case=case,
                position=position,
                title="公告：硬化生产路",
                body="详见附件。",
            )
        if s.supervision_signs:
            self._call(services.step_sign, actor=self.p["supervisor"], case=case, position=position)
        if s.publish_section:
            self._call(services.step_post_publish, actor=actor, case=case, position=position)
            self.move(day + dt.timedelta(days=(s.publish_days or 1) + 1))
        self._call(services.step_complete, actor=actor, case=case, position=position)


def _queries_per_step(people: dict[str, Any]) -> int:
    """SQL statements one whole case takes (all service calls of its 7 steps and the opening)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from sunlight.cases.management.commands.load_demo_cases import moved_localdate

    with moved_localdate(START) as move, CaptureQueriesContext(connection) as ctx:
        flow = _Flow(people, move)
        case = flow.open()
        for position in range(1, 8):
            flow.step(case, position)
    return len(ctx.captured_queries)


def _page_queries(case: Any) -> int:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    path = f"/v/{VILLAGE}/cases/{case.public_id}/"
    client.get(path)  # the first request pays for template compilation
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
    if response.status_code != 200:
        raise RuntimeError(f"{path} answered {response.status_code}")
    return len(ctx.captured_queries)


def _run_one(url: str) -> dict[str, Any]:
    tmp = Path(tempfile.mkdtemp(prefix="sunlight-cases-bench-"))
    try:
        t0 = time.perf_counter()
        _setup(url, tmp)
        setup_s = time.perf_counter() - t0
        from django.db import connection

        from sunlight.accounts.models import User
        from sunlight.cases.management.commands.load_demo_cases import moved_localdate
        from sunlight.cases.models import Case, CaseStatus
        from sunlight.disclosure.models import Post
        from sunlight.ledger.models import LedgerEntry

        people = {
            role: User.objects.get(username=name)
            for role, name in (("secretary", "dx-shuji"), ("director", "dx-zhuren"), ("supervisor", "dx-jianwei"))
        }
        with moved_localdate(START) as move:
            flow = _Flow(people, move)
            one_step, five_steps = flow.open(), flow.open()
            flow.step(one_step, 1)
            for position in range(1, 6):
                flow.step(five_steps, position)
            posts0, entries0 = Post.objects.count(), LedgerEntry.objects.count()
            flow.calls = 0
            t0 = time.perf_counter()
            for _ in range(CASES):
                case = flow.open()
                for position in range(1, 8):
                    flow.step(case, position)
            seconds = time.perf_counter() - t0
            last = case
        done = Case.objects.filter(status=CaseStatus.DONE).count()
        queries_per_step = _queries_per_step(people)
        posts = Post.objects.count() - posts0
        entries = LedgerEntry.objects.count() - entries0
        queries = {
            "one_step_done": _page_queries(one_step),
            "five_steps_done": _page_queries(five_steps),  # the resolution notice published
            "all_steps_done": _page_queries(last),
        }
        vendor = connection.vendor
        connection.close()
        steps = 7 * CASES
        return {
            "database": vendor,
            "setup_s": round(setup_s, 1),
            "cases": CASES,
            "cases_done": done,
            "service_calls": flow.calls,
            "seconds": round(seconds, 2),
            "steps_per_s": round(steps / seconds, 1),
            "service_calls_per_s": round(flow.calls / seconds, 1),
            "posts": posts,
            "ledger_entries": entries,
            "posts_and_entries_per_s": round((posts + entries) / seconds, 1),
            "page_queries": queries,
            "sql_per_case": queries_per_step,
        }
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


# --- the driver ----------------------------------------------------------------------------------


def _pg(sql: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=3) as conn:
        conn.execute(sql)


def _child(backend: str, url: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, __file__, "--one", url],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"{backend} run failed:\n{done.stderr[-3000:]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def _postgres() -> dict[str, Any] | None:
    try:
        _pg(f"DROP DATABASE IF EXISTS {PG_DB}")
        _pg(f"CREATE DATABASE {PG_DB}")
    except Exception as exc:  # any failure to reach the server means: skip PostgreSQL
        print(f"PostgreSQL at 127.0.0.1:5432 not usable ({exc.__class__.__name__}: {exc}); skipped", flush=True)
        return None
    try:
        return _child("PostgreSQL", f"postgres://postgres@127.0.0.1:5432/{PG_DB}")
    finally:
        _pg(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")


def _print(results: dict[str, Any]) -> None:
    print()
    print(f"cases: {CASES} cases of {ITEM} (7 steps each) run through the services, fresh database each")
    head = (
        f"{'database':<11} {'steps/s':>8} {'calls/s':>8} {'posts+log/s':>12} {'seconds':>8} {'SQL/case':>9}"
        f" {'page queries, steps done 1/5/7':>32}"
    )
    print(head)
    print("-" * len(head))
    for r in results["runs"]:
        q = r["page_queries"]
        print(
            f"{r['database']:<11} {r['steps_per_s']:>8.1f} {r['service_calls_per_s']:>8.1f}"
            f" {r['posts_and_entries_per_s']:>12.1f} {r['seconds']:>8.2f} {r['sql_per_case']:>9}"
            f" {q['one_step_done']:>24} / {q['five_steps_done']} / {q['all_steps_done']}"
        )
    print(
        "  steps/s: step completions with everything each needs (materials, meetings, signatures, notices);"
        " calls/s: every service call; posts+log/s: board posts published plus their log entries."
    )
    print(
        "  page queries: the public case page's queries do not grow with its steps, meetings, events or notices"
        " (the same count with 1, 5 and 7 steps done)."
    )
    print(f"  written: {OUT / 'cases.json'}")


def main() -> int:
    started = time.perf_counter()
    runs = []
    tmp = Path(tempfile.mkdtemp(prefix="sunlight-cases-bench-db-"))
    try:
        print(f"cases bench: SQLite in {tmp} …", flush=True)
        runs.append(_child("SQLite", f"sqlite:///{tmp / 'cases-bench.sqlite3'}"))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"cases bench: PostgreSQL database {PG_DB} …", flush=True)
    pg = _postgres()
    if pg is not None:
        runs.append(pg)
    results = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "load_average": [round(n, 2) for n in os.getloadavg()],
        },
        "item": ITEM,
        "runs": runs,
        "total_seconds": round(time.perf_counter() - started, 1),
    }
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "cases.json").write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    _print(results)
    bad = [
        r["database"]
        for r in runs
        if r["page_queries"]["five_steps_done"] != r["page_queries"]["all_steps_done"]
        or r["page_queries"]["one_step_done"] > r["page_queries"]["all_steps_done"]
        or r["cases_done"] < CASES
    ]
    if bad:
        print(f"the case page's queries grow with the steps done, or cases did not finish: {bad}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--one":
        print(json.dumps(_run_one(sys.argv[2])))
        sys.exit(0)
    sys.exit(main())

"""Transparency-log benchmark: append throughput and proof latency at a million entries (SQLite).

Standalone: `python bench/ledger.py` (bench/run.py calls it at the end as a subprocess). Builds a
county log in a temporary SQLite file (WAL, synchronous=FULL, as production), so it never
touches var/:
  1. append throughput through `entry_append`, 100 entries per transaction followed by one
     `checkpoint_sign` (a publication batch), on a small log;
  2. bulk build to LEDGER_BENCH_ENTRIES (default 1,000,000) through `entries_append`, which
     runs the same Merkle code (merkle.Frontier) and stores the same subtree hashes;
  3. append throughput again on the large log (it must not depend on the log's size);
  4. inclusion- and consistency-proof latency (service and HTTP API) at random leaves, with the
     SQL queries per proof;
  5. `ledger_verify` over the whole log, when LEDGER_BENCH_VERIFY=1 (it reads every entry).
Prints a table and writes bench/out/ledger.json.
"""

from __future__ import annotations

import json
import os
import platform
import random
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
COUNTY = "610522"
TARGET = int(os.environ.get("LEDGER_BENCH_ENTRIES", "1000000"))
BATCH = 100  # entries per publication batch (one checkpoint each)
APPEND_BATCHES = 20
PROOF_SAMPLES = 2000
BULK_CHUNK = 100_000  # one transaction per chunk while building


def _setup(tmp: Path) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "sunlight.settings"
    os.environ["DATABASE_URL"] = f"sqlite:///{tmp / 'ledger-bench.sqlite3'}"
    os.environ["VAR_DIR"] = str(tmp)
    os.environ["LEDGER_KEY_DIR"] = str(tmp / "keys")
    os.environ.setdefault("SECRET_KEY", "ledger-bench-" + "x" * 50)
    os.environ["ALLOWED_HOSTS"] = "testserver"
    os.environ["HTTPS"] = "false"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    for app in ("places", "ledger"):
        call_command("migrate", app, verbosity=0)
    from sunlight.places.models import Level, Place

    Place.objects.create(code=COUNTY, name="基准县", level=Level.COUNTY, county_code=COUNTY)


def _leaf(i: int) -> bytes:
    from sunlight.ledger.canonical import canonical_json

    # About the size of a short notice's public fields.
    return canonical_json(
        {
            "kind": "disclosure.post",
            "village": "610522103001",
            "seq": i,
            "title": f"关于第{i}号村务事项的公示",
            "category": "村务",
            "published_at": "2026-11-26T08:00:00+08:00",
        }
    )


def _append_rate(start: int) -> dict[str, float]:
    from django.db import transaction

    from sunlight.ledger.services import checkpoint_sign, entry_append

    t0 = time.perf_counter()
    n = start
    for _ in range(APPEND_BATCHES):
        with transaction.atomic():
            for _ in range(BATCH):
                entry_append(county_code=COUNTY, leaf_input=_leaf(n), kind="disclosure.post", ref=f"p{n}")
                n += 1
            checkpoint_sign(county_code=COUNTY)
    seconds = time.perf_counter() - t0
    return {
        "entries": APPEND_BATCHES * BATCH,
        "checkpoints": APPEND_BATCHES,
        "seconds": round(seconds, 3),
        "entries_per_s": round(APPEND_BATCHES * BATCH / seconds, 1),
    }


def _bulk_build(start: int, target: int) -> dict[str, float]:
    from sunlight.ledger.services import NewEntry, entries_append

    t0 = time.perf_counter()
    size = start
    while size < target:
        end = min(target, size + BULK_CHUNK)
        size = entries_append(
            county_code=COUNTY, items=(NewEntry(_leaf(i), "disclosure.post", f"p{i}") for i in range(size, end))
        )
        print(f"  built {size:,} entries ({time.perf_counter() - t0:.0f} s)", flush=True)
    seconds = time.perf_counter() - t0
    # Fold the bulk load's write-ahead log into the database, as SQLite does in normal running,
    # so that the measurements after it see a steady state rather than a 500 MB WAL.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return {"entries": size - start, "seconds": round(seconds, 1), "entries_per_s": round((size - start) / seconds)}


def _percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "p50_ms": round(statistics.median(ordered) * 1000, 3),
        "p99_ms": round(ordered[int(len(ordered) * 0.99) - 1] * 1000, 3),
        "max_ms": round(ordered[-1] * 1000, 3),
    }


def _proof_latency(size: int) -> dict[str, Any]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from sunlight.ledger import merkle
    from sunlight.ledger.selectors import consistency_proof, inclusion_proof, root_at

    rng = random.Random(6962)
    leaves = [rng.randrange(size) for _ in range(PROOF_SAMPLES)]
    service: list[float] = []
    for i in leaves:
        t0 = time.perf_counter()
        inclusion_proof(county_code=COUNTY, leaf_index=i, tree_size=size)
        service.append(time.perf_counter() - t0)
    client = Client()
    http: list[float] = []
    for i in leaves[:500]:
        t0 = time.perf_counter()
        response = client.get(f"/api/v1/ledger/{COUNTY}/proof/inclusion?leaf_index={i}&tree_size={size}")
        http.append(time.perf_counter() - t0)
        assert response.status_code == 200, response.content
    consistency: list[float] = []
    for m in (rng.randrange(1, size) for _ in range(500)):
        t0 = time.perf_counter()
        consistency_proof(county_code=COUNTY, first=m, second=size)
        consistency.append(time.perf_counter() - t0)
    # Spot-check that what was timed is right.
    proof = inclusion_proof(county_code=COUNTY, leaf_index=leaves[0], tree_size=size)
    ok = merkle.verify_inclusion(
        leaf=merkle.leaf_hash(_leaf(leaves[0])),
        index=leaves[0],
        size=size,
        path=[bytes.fromhex(h) for h in proof.audit_path],
        root=root_at(county_code=COUNTY, size=size),
    )
    with CaptureQueriesContext(connection) as ctx:
        inclusion_proof(county_code=COUNTY, leaf_index=leaves[1], tree_size=size)
    return {
        "samples": len(service),
        "inclusion_service": _percentiles(service),
        "inclusion_http": _percentiles(http),
        "consistency_service": _percentiles(consistency),
        "audit_path_length": len(proof.audit_path),
        "queries_per_inclusion_proof": len(ctx.captured_queries),
        "verified": ok,
    }


def _verify_time() -> dict[str, Any]:
    from sunlight.ledger.verify import log_verify

    t0 = time.perf_counter()
    report = log_verify(county_code=COUNTY)
    return {"ok": report.ok, "entries": report.entries, "seconds": round(time.perf_counter() - t0, 1)}


def main() -> int:
    tmp = Path(tempfile.mkdtemp(prefix="sunlight-ledger-bench-"))
    try:
        started = time.perf_counter()
        _setup(tmp)
        print(f"ledger bench: SQLite in {tmp}, target {TARGET:,} entries", flush=True)
        small = _append_rate(0)
        print(f"  append (small log): {small['entries_per_s']:,} entries/s", flush=True)
        from sunlight.ledger.selectors import tree_size

        bulk = _bulk_build(tree_size(county_code=COUNTY), TARGET)
        large = _append_rate(tree_size(county_code=COUNTY))
        size = tree_size(county_code=COUNTY)
        proofs = _proof_latency(size)
        verify = _verify_time() if os.environ.get("LEDGER_BENCH_VERIFY") == "1" else None
        db_bytes = sum(p.stat().st_size for p in tmp.glob("ledger-bench.sqlite3*"))
        results = {
            "when": datetime.now(UTC).isoformat(timespec="seconds"),
            "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
            "database": "SQLite (WAL, synchronous=FULL), temporary file",
            "tree_size": size,
            "database_mb": round(db_bytes / 1e6),
            "append_small_log": small,
            "bulk_build": bulk,
            "append_at_size": large,
            "proofs": proofs,
            "verify": verify,
            "total_seconds": round(time.perf_counter() - started, 1),
        }
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "ledger.json").write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    _print(results)
    return 0 if proofs["verified"] and (verify is None or verify["ok"]) else 1


def _print(r: dict[str, Any]) -> None:
    p = r["proofs"]
    print()
    print(f"transparency log, SQLite, {r['tree_size']:,} entries ({r['database_mb']} MB)")
    small, large, bulk = (r[k]["entries_per_s"] for k in ("append_small_log", "append_at_size", "bulk_build"))
    print(f"  append, batches of {BATCH} + 1 checkpoint each, small log : {small:>9,} /s")
    print(f"  append, batches of {BATCH} + 1 checkpoint each, at size   : {large:>9,} /s")
    print(f"  bulk build (same Merkle code)                         : {bulk:>9,} /s")
    for name in ("inclusion_service", "inclusion_http", "consistency_service"):
        q = p[name]
        print(f"  {name:<22} p50 {q['p50_ms']:>7.3f} ms   p99 {q['p99_ms']:>7.3f} ms   max {q['max_ms']:>7.3f} ms")
    print(f"  audit path {p['audit_path_length']} hashes, {p['queries_per_inclusion_proof']} SQL queries per proof")
    if r["verify"]:
        print(f"  ledger_verify over the whole log: {r['verify']['seconds']} s (ok={r['verify']['ok']})")
    print(f"  total {r['total_seconds']} s; written: {OUT / 'ledger.json'}")


if __name__ == "__main__":
    sys.exit(main())

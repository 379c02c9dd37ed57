"""Benchmark the report, queue and request pages at volume, on SQLite and PostgreSQL.

Run from the project root:

    .venv/bin/python bench/reports.py --sizes 100000,1000000 --db sqlite,postgres

For each size and database it seeds a year of history with ``seed-volume``
(or reuses the database seeded before: SQLite files under ``bench/.data/``,
PostgreSQL databases ``desk_bench_<N>`` on 127.0.0.1:5432, trust auth), then
requests every page through the app's own stack (Flask test client, logged in
as a head and as HR) and prints the median of ``--runs`` timed requests after
one warm-up. The app's clock is set to noon of the day the history ends, so a
reused database shows the same "last 30 days" as when it was seeded.
Goals at 1M requests: report pages < 300 ms; queue and request pages < 50 ms.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import UTC, date, datetime, time as day_time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, func, select, text  # noqa: E402

from desk import create_app  # noqa: E402
from desk.clock import travel  # noqa: E402
from desk.extensions import db  # noqa: E402
from desk.models import OutcomeDay, ServiceRequest, Setting, search_ddl  # noqa: E402
from desk.services.reports.rollup import MEASURES, SUMS, rebuild  # noqa: E402
from desk.seed.volume import GENERATOR, seed_volume  # noqa: E402
from desk.seed.volume_org import PASSWORD  # noqa: E402

DATA = ROOT / "bench" / ".data"
PG = "postgresql+psycopg://{user}@127.0.0.1:5432/{name}"
REPORTS = ["review", "bottlenecks", "waits", "handoffs", "health", "attainment"]
REPORT_GOAL, PAGE_GOAL = 300, 50
MARK = "bench.seed"


def database_url(kind: str, size: int, pg_user: str) -> str:
    if kind == "sqlite":
        DATA.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{DATA / f'desk-{size}.db'}"
    name = f"desk_bench_{size}"
    admin = create_engine(PG.format(user=pg_user, name="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if not conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}):
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        # The usual setting for SSD storage (docs/reports.md): with the default 4.0 the planner
        # prefers hashing all ratings or requests to a few thousand index lookups.
        conn.execute(text(f'ALTER DATABASE "{name}" SET random_page_cost = 1.1'))
    admin.dispose()
    return PG.format(user=pg_user, name=name)


def prepare(app, size: int, seed: int) -> date:
    """Reuse the database if it holds this size's history; otherwise build it afresh."""
    with app.app_context():
        try:
            mark = db.session.get(Setting, MARK)
        except Exception as error:  # no tables yet
            print(f"    no benchmark history here ({type(error).__name__}): seeding", flush=True)
            db.session.rollback()
            mark = None
        if mark and mark.value == mark.value | {"requests": size, "seed": seed, "generator": GENERATOR}:
            refresh_rollup()
            return date.fromisoformat(mark.value["until"])
        db.session.remove()
        db.drop_all()
        db.create_all()
        until = datetime.now(UTC).date()
        started = time.perf_counter()
        seed_volume(size, seed, until=until, echo=lambda line: print("   ", line, flush=True))
        db.session.add(Setting(key=MARK, value={"requests": size, "seed": seed, "generator": GENERATOR,
                                                 "until": until.isoformat(),
                                                 "seconds": round(time.perf_counter() - started)}))
        db.session.commit()
        return until


def refresh_rollup() -> None:
    """A database seeded before the rollup tables (or the index of open requests) existed gets them."""
    db.session.rollback()  # end the session's transaction: on SQLite it holds the write lock create_all needs
    db.create_all()  # only what is missing
    update_search_indexes()
    if not db.session.scalar(select(func.count()).select_from(OutcomeDay)):
        started = time.perf_counter()
        rows = rebuild()
        db.session.commit()
        print(f"    rollup rebuilt: {rows:,} rows in {time.perf_counter() - started:.0f} s", flush=True)
        return
    for level in SUMS:  # a level added after the database was seeded
        if not db.session.scalar(select(func.count()).select_from(level.model)):
            db.session.execute(level.model.__table__.insert().from_select([*level.keys, *MEASURES], level.from_days()))
            db.session.commit()
            print(f"    {level.model.__tablename__} filled from the daily rows", flush=True)


def update_search_indexes() -> None:
    """Rebuild the full-text indexes of a database seeded before they took their current shape."""
    dialect = db.engine.dialect.name
    sqlite = dialect == "sqlite"
    current = ("SELECT 1 FROM pragma_table_info('requests_fts') WHERE name = 'department_id'" if sqlite
               else "SELECT 1 FROM pg_indexes WHERE indexname = 'ix_requests_search_recent'")
    if db.session.scalar(text(current)):
        return
    started = time.perf_counter()
    triggers = [f"DROP TRIGGER IF EXISTS {name}" for name in search_ddl.SQLITE_TRIGGERS] if sqlite else []
    rebuild = search_ddl.SQLITE_REBUILD if sqlite else []
    for sql in triggers + search_ddl.statements(dialect, drop=True) + search_ddl.statements(dialect) + rebuild:
        db.session.execute(text(sql))
    db.session.commit()
    print(f"    full-text indexes rebuilt: {time.perf_counter() - started:.0f} s", flush=True)


def login(app, email: str):
    client = app.test_client()
    response = client.post("/login", data={"email": email, "password": PASSWORD})
    assert response.status_code == 303, f"cannot log in as {email}"
    return client


def median_ms(client, url: str, runs: int) -> tuple[float, int]:
    status = client.get(url).status_code  # warm-up: plans, caches, the first page read
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(url)
        samples.append((time.perf_counter() - started) * 1000)
        status = response.status_code
    return statistics.median(samples), status


def pages(app) -> list[tuple[str, str, str, int]]:
    """(label, who, url, goal ms) for every measured page."""
    with app.app_context():
        key = db.session.scalar(select(ServiceRequest.key).where(ServiceRequest.key.like("IT-%"))
                                .order_by(ServiceRequest.id.desc()).limit(1))
    found = [(f"report {name}", who, f"/reports/{name}", REPORT_GOAL) for name in REPORTS for who in ("head", "hr")]
    found += [(f"report {name} (12 months)", who, f"/reports/{name}?period=12m", REPORT_GOAL)
              for name in REPORTS for who in ("head", "hr")]
    found += [
        ("queue", "head", "/queue/", PAGE_GOAL),
        ("queue search 'docking'", "head", "/queue/?q=docking", PAGE_GOAL),
        ("queue search 'screen flick'", "head", "/queue/?q=screen+flick", PAGE_GOAL),
        ("queue search 'laptop' (1 in 4)", "head", "/queue/?q=laptop", PAGE_GOAL),
        ("queue search 'docking', any status", "head", "/queue/?q=docking&status=all", PAGE_GOAL),
        ("queue search 'screen flick', any status", "head", "/queue/?q=screen+flick&status=all", PAGE_GOAL),
        ("queue search 'laptop', any status", "head", "/queue/?q=laptop&status=all", PAGE_GOAL),
        # Legal's head (64,000 requests), where these words are rare: the index finds them.
        ("queue search 'docking', any status", "legal", "/queue/?q=docking&status=all", PAGE_GOAL),
        ("queue search 'screen flick', any status", "legal", "/queue/?q=screen+flick&status=all", PAGE_GOAL),
        ("request page", "head", f"/requests/{key}", PAGE_GOAL),
    ]
    return found


def run(kind: str, size: int, args) -> dict[tuple[str, str], tuple[float, int, int]]:
    url = database_url(kind, size, args.pg_user)
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False,
                      "RATELIMIT_ENABLED": False, "PASSWORD_HASH_METHOD": "scrypt"})
    print(f"== {kind}, {size:,} requests ({url})", flush=True)
    until = prepare(app, size, args.seed)
    results = {}
    with travel(datetime.combine(until, day_time(12), UTC)):
        clients = {"head": login(app, "it.0@volume.example"), "hr": login(app, "hr.1@volume.example"),
                   "legal": login(app, "leg.0@volume.example")}
        for label, who, page, goal in pages(app):
            ms, status = median_ms(clients[who], page, args.runs)
            results[(label, who)] = (ms, status, goal)
            flag = "ok" if ms < goal and status == 200 else ("FAILED" if status != 200 else "over")
            print(f"   {label:<40} {who:<5} {ms:8.1f} ms  (goal {goal} ms, {flag})", flush=True)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="100000", help="comma-separated request counts (default 100000)")
    parser.add_argument("--db", default="sqlite,postgres", help="sqlite, postgres or both")
    parser.add_argument("--runs", type=int, default=7, help="timed requests per page (median)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--pg-user", default="root")
    args = parser.parse_args()
    table = {}
    for size in [int(s) for s in args.sizes.split(",")]:
        for kind in args.db.split(","):
            for (label, who), value in run(kind.strip(), size, args).items():
                table.setdefault((label, who), {})[(kind, size)] = value
    columns = sorted({c for row in table.values() for c in row}, key=lambda c: (c[1], c[0]))
    print("\nMedian ms per page (goal at 1M: reports < 300, queue and request < 50)")
    print(f"{'page':<42}{'as':<6}" + "".join(f"{k} {s:,}".rjust(20) for k, s in columns))
    for (label, who), row in table.items():
        cells = "".join((f"{row[c][0]:.1f}" + ("" if row[c][1] == 200 else " !")).rjust(20) if c in row
                        else "".rjust(20) for c in columns)
        print(f"{label:<42}{who:<6}{cells}")


if __name__ == "__main__":
    main()

"""``flask --app desk seed-volume``: a year of history at company scale, fast.

Deterministic: the same ``--seed`` and ``--until`` give the same rows. The
organisation is small and made with ORM objects (:mod:`desk.seed.volume_org`);
each request's life is generated in Python (:mod:`desk.seed.volume_life`) and
written as executemany batches of plain tuples, one batch per transaction.
Request ids are handed out here, so child rows need no RETURNING round trip.
The full-text index is switched off during the load and rebuilt once at the
end, which is several times faster than maintaining it row by row.
"""

from __future__ import annotations

import json
import random
import time as clock
from bisect import bisect
from datetime import UTC, date, datetime, time, timedelta
from itertools import accumulate

import click
from flask.cli import with_appcontext
from sqlalchemy import JSON, func, select, text

from desk.clock import utcnow
from desk.extensions import db
from desk.models import Department, Event, Handoff, Holding, Rating, ServiceRequest, StatusSpan
from desk.models import search_ddl
from desk.models.base import UTCDateTime
from desk.seed.volume_life import Life
from desk.services.reports import rollup
from desk.seed.volume_org import PASSWORD, build_org

# Share of requests each provider receives.
PROVIDER_SHARE = {"IT": 38, "FAC": 16, "FIN": 16, "HR": 12, "MKT": 13, "LEG": 5}
TABLES = {"requests": ServiceRequest, "spans": StatusSpan, "events": Event, "holdings": Holding,
          "handoffs": Handoff, "ratings": Rating}
OFF_HOURS = 0.06  # share of requests filed outside the provider's business hours
GENERATOR = 3  # bumped when the generated history changes (bench/reports.py re-seeds then)


@click.command("seed-volume")
@click.option("--requests", "count", default=100_000, show_default=True, help="How many requests.")
@click.option("--seed", default=1, show_default=True, help="Random seed: same seed, same history.")
@click.option("--until", default=None, help="The history ends at 00:00 UTC of this day (YYYY-MM-DD); default today.")
@with_appcontext
def seed_volume_command(count: int, seed: int, until: str | None) -> None:
    """Fill an empty database with a year of synthetic requests (for reports and benchmarks)."""
    if db.session.scalar(select(func.count()).select_from(ServiceRequest)):
        raise click.UsageError("The database already has requests; seed-volume fills an empty one.")
    seed_volume(count, seed, until=date.fromisoformat(until) if until else None, echo=click.echo)
    click.echo(f"Every seeded login (e.g. it.0@volume.example, head of IT) uses the password {PASSWORD!r}.")


def seed_volume(count: int, seed: int, *, until: date | None = None, batch: int = 20_000, echo=None) -> None:
    """Create the organisation and ``count`` requests over the 365 days before ``until``."""
    echo = echo or (lambda _msg: None)
    started = clock.perf_counter()
    rng = random.Random(seed)
    end = datetime.combine(until or utcnow().date(), time(), UTC)
    start = end - timedelta(days=365)
    org = build_org(rng, start)
    providers = [p for p in org.providers.values()]
    provider_cum = list(accumulate(PROVIDER_SHARE[p.code] for p in providers))
    requesters_cum = list(accumulate(w for _, w in org.weights))
    business_total = {id(p.calendar): p.calendar.seconds_between(start, end) for p in providers}
    # Sorted arrival points, denser towards the end: the company grows through the year.
    points = sorted(rng.random() ** 0.85 for _ in range(count))
    numbers = {p.id: 0 for p in providers}
    first_id = (db.session.scalar(select(func.max(ServiceRequest.id))) or 0) + 1
    with bulk_load():
        for offset in range(0, count, batch):
            rows = {name: [] for name in TABLES}
            life = Life(rng, org, rows, end)
            for i in range(offset, min(offset + batch, count)):
                provider = providers[bisect(provider_cum, rng.random() * provider_cum[-1])]
                requesting = provider.id
                while requesting == provider.id:
                    requesting = org.weights[bisect(requesters_cum, rng.random() * requesters_cum[-1])][0]
                if rng.random() < OFF_HOURS:
                    arrival = start + timedelta(seconds=int(points[i] * 365 * 86400))
                else:
                    arrival = provider.calendar.add(start, max(1, int(points[i] * business_total[id(provider.calendar)])))
                numbers[provider.id] += 1
                life.live(first_id + i, f"{provider.code}-{numbers[provider.id]}", arrival.astimezone(UTC),
                          provider, rng.choice(org.members[requesting]), requesting)
            _insert(rows)
            db.session.commit()
            echo(f"  {min(offset + batch, count):>9,} requests  ({clock.perf_counter() - started:.0f} s)")
    for provider in providers:
        db.session.get(Department, provider.id).request_seq = numbers[provider.id]
    db.session.commit()
    # The bulk inserts went around the session hooks that keep the report rollup.
    rows = rollup.rebuild()
    db.session.commit()
    echo(f"  {rows:>9,} rollup rows  ({clock.perf_counter() - started:.0f} s)")
    echo(f"Seeded {count:,} requests in {clock.perf_counter() - started:.0f} s.")


def _insert(rows: dict[str, list[dict]]) -> None:
    """One executemany per table through the connection's driver.

    The values are converted here, once per column kind (UTC datetimes as
    SQLite's text or PostgreSQL's naive UTC, JSON as text): SQLAlchemy's
    per-value bind processing costs more than generating the history itself.
    """
    conn = db.session.connection()
    sqlite = conn.dialect.name == "sqlite"
    marker = "?" if sqlite else "%s"
    for name, model in TABLES.items():
        batch = rows[name]
        if not batch:
            continue
        keys = list(batch[0])
        kinds = {c.name: c.type for c in model.__table__.c}
        converters = [_converter(kinds[key], sqlite) for key in keys]
        values = [tuple(convert(row[key]) if convert else row[key] for key, convert in zip(keys, converters))
                  for row in batch]
        sql = f"INSERT INTO {model.__tablename__} ({', '.join(keys)}) VALUES ({', '.join([marker] * len(keys))})"
        conn.exec_driver_sql(sql, values)


def _converter(kind, sqlite: bool):
    if isinstance(kind, UTCDateTime):  # every generated instant is already in UTC
        if sqlite:
            return lambda v: None if v is None else v.isoformat(" ", "microseconds")[:26]
        return lambda v: None if v is None else v.replace(tzinfo=None)
    if isinstance(kind, JSON):
        return json.dumps
    return None


class bulk_load:
    """Switch the full-text index off for the load, rebuild it after; fix PostgreSQL's id sequence."""

    def __enter__(self):
        self.dialect = db.engine.dialect.name
        # Secondary indexes are built once at the end: sorting a million keys beats a million
        # random B-tree inserts per index (several times faster on both databases).
        self.indexes = [index for model in TABLES.values() for index in model.__table__.indexes]
        for index in self.indexes:
            index.drop(db.session.connection(), checkfirst=True)
        if self.dialect == "sqlite":
            for trigger in search_ddl.SQLITE_TRIGGERS:
                db.session.execute(text(f"DROP TRIGGER IF EXISTS {trigger}"))
        for sql in search_ddl.statements(self.dialect, drop=True) if self.dialect == "postgresql" else []:
            db.session.execute(text(sql))
        db.session.commit()
        return self

    def __exit__(self, *exc):
        if exc[0] is not None:
            db.session.rollback()
        for index in self.indexes:
            index.create(db.session.connection(), checkfirst=True)
        if self.dialect == "sqlite":
            for sql in search_ddl.statements("sqlite"):
                db.session.execute(text(sql))
            for sql in search_ddl.SQLITE_REBUILD:
                db.session.execute(text(sql))
        elif self.dialect == "postgresql":
            for sql in search_ddl.statements("postgresql"):
                db.session.execute(text(sql))
            db.session.execute(text("SELECT setval(pg_get_serial_sequence('requests', 'id'), "
                                    "(SELECT coalesce(max(id), 1) FROM requests))"))
        db.session.commit()
        if self.dialect == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM ANALYZE"))
        elif self.dialect == "sqlite":
            db.session.execute(text("ANALYZE"))
            db.session.commit()
        return False

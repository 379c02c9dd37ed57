"""The weekly digest: each head's last full week by e-mail, once per head and week."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from desk.extensions import db
from desk.models import DigestDelivery
from desk.services import mail
from desk.services.reports import bottlenecks
from desk.services.reports.digest import previous_week, send_digests
from tests.report_history import build
from tests.sla_support import at

TUESDAY_AFTER = datetime(2026, 3, 10, 7, 0, tzinfo=UTC)


@pytest.fixture
def h(make):
    return build(make)


def test_previous_week():
    assert previous_week(date(2026, 3, 10)) == (date(2026, 3, 2), date(2026, 3, 8), "2026-W10")
    assert previous_week(date(2026, 3, 9)) == (date(2026, 3, 2), date(2026, 3, 8), "2026-W10")
    assert previous_week(date(2026, 1, 4)) == (date(2025, 12, 22), date(2025, 12, 28), "2025-W52")


def test_each_head_gets_their_week_once(h, monkeypatch):
    monkeypatch.setattr(bottlenecks, "MIN_CLOCKS", 1)
    mail.discard_queued()
    with at(TUESDAY_AFTER):
        digests = send_digests(TUESDAY_AFTER.date())
        sent = {m["To"].addresses[0].addr_spec: m for m in mail.queued()}
        db.session.commit()
    assert {d.head.id for d in digests} == {h.it_head.id, h.fac_head.id, h.mkt_head.id}
    it = sent[h.it_head.email]
    assert it["Subject"] == "desk: Department IT, week 2026-W10"
    text = it.get_body(("plain",)).get_content()
    # The figures of tests/test_reports_numbers.py for IT's week.
    assert "Resolved:                      5" in text
    assert "Resolution within target:      80.0 %" in text
    assert "Resolution breaches:           1" in text
    assert "Escalations:                   1" in text
    assert "CSAT:                          80.0 %" in text
    assert "Worst bottleneck:              Department MKT → Department IT, 80.0 % within target" in text
    assert "/reports/review?period=custom&from=2026-03-02&to=2026-03-08" in text
    assert "Request 1" not in text  # figures only
    fac = sent[h.fac_head.email].get_body(("plain",)).get_content()
    assert "CSAT:                          not enough ratings" in fac
    html = it.get_body(("html",)).get_content()
    assert "<td>80.0 %</td>" in html
    with at(TUESDAY_AFTER):
        assert send_digests(TUESDAY_AFTER.date()) == []  # idempotent: once per head and week
    assert db.session.scalar(select(func.count()).select_from(DigestDelivery)) == 3


def test_digest_command(h, app):
    runner = app.test_cli_runner()
    with at(TUESDAY_AFTER):
        first = runner.invoke(args=["digest"])
        second = runner.invoke(args=["digest"])
    assert first.exit_code == 0 and "Sent 3 digest(s)." in first.output
    assert f"{h.it_head.email}: 2026-W10" in first.output
    assert second.exit_code == 0 and "Sent 0 digest(s)." in second.output

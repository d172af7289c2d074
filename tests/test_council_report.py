"""The council report, on SQLite and PostgreSQL: a PDF whose text holds the period's figures against the period
before and a year earlier, printed once and kept (a second request downloads the stored file, new cases or not),
listed on /reports, and only for the roles that read the reports."""

from __future__ import annotations

import hashlib
import re
import subprocess
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from sqlmodel import select

from config.settings import PROJECT_ROOT
from domain.stages import CaseStage, Outcome
from records.accounts import settle
from records.council_reports import CouncilReport
from records.db import make_engine, session_factory
from records.tables import LedgerLine, Parcel
from tests.conftest import Api
from tests.helpers import sign_in
from tests.test_console_pages import Seeder, console, seeded

__all__ = ["console"]  # the fixture, on SQLite and PostgreSQL

MARCH = "/reports/council.pdf?from=2026-03-01&to=2026-03-31"
ARTIFACTS = PROJECT_ROOT / "test-artifacts"


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def text_of(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "council.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True).stdout
    return re.sub(r"[ \t]+", " ", text)


async def test_the_council_report_holds_the_periods_figures_and_is_printed_once(
    console: Api, database_url: str, tmp_path: Path
) -> None:
    with seeded(database_url) as session:
        s = Seeder(session)
        maple = session.exec(select(Parcel).where(Parcel.address == "142 Maple Dr")).one()
        # March 2026: three long-grass cases (two at Maple) and one refuse case; one complied in ten days.
        for day in (2, 3):
            s.case(utc(f"2026-03-0{day}T15:00Z"), parcel=maple)
        complied = s.case(
            utc("2026-03-04T15:00Z"),
            CaseStage.CLOSED,
            closed_at=utc("2026-03-14T15:00Z"),
            outcome=Outcome.VOLUNTARY_COMPLIANCE,
        )
        s.event(complied, "inspection_violation_found", utc("2026-03-06T15:00Z"))
        fined = s.case(utc("2026-03-05T15:00Z"), violation_code="PS-REFUSE")
        for n, (kind, amount) in enumerate((("fine", "250.00"), ("payment", "100.00"))):
            session.add(
                LedgerLine(
                    case_number=fined.case_number,
                    event_key=f"{kind}-1",
                    line=n,
                    entry_type=kind,
                    amount=Decimal(amount),
                    description=kind,
                    due_at=utc("2026-04-10T00:00Z"),
                    recorded_at=utc(f"2026-03-1{n}T12:00Z"),
                )
            )
        settle(session, [fined.case_number])  # as the record writer keeps what is owed
        # The period before (29 January to 28 February): one case; March a year earlier: two.
        s.case(utc("2026-02-10T15:00Z"))
        s.case(utc("2025-03-10T15:00Z"), violation_code="PS-REFUSE")
        s.case(utc("2025-03-11T15:00Z"), violation_code="PS-REFUSE")

    await sign_in(console.http, "executive")
    first = await console.http.get(MARCH)
    assert first.status_code == 200 and first.headers["content-type"] == "application/pdf"
    assert first.headers["x-content-sha256"] == hashlib.sha256(first.content).hexdigest()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "council-report.pdf").write_bytes(first.content)
    text = text_of(first.content, tmp_path)
    assert "City of Riverton" in text and "March 1, 2026 to March 31, 2026" in text
    assert "2026-01-29 to 2026-02-28 (the period before)" in text and "2025-03-01 to 2025-03-31" in text
    assert re.search(r"Cases received 4 cases 1 cases 2 cases", text)
    assert re.search(r"Days to compliance \(median\) 10 days — —", text)
    assert re.search(r"Fines levied \$250\.00 \$0\.00 \$0\.00", text)
    assert re.search(r"Collected \$100\.00", text) and re.search(r"Collection rate 40\.0%", text)
    assert re.search(r"Long grass and weeds 3\s", text) and re.search(r"Refuse[^\n]* 1\s", text)
    assert re.search(r"142 Maple Dr 2", text)  # the hot spot
    assert "Days to first inspection by priority" in text and "Open cases by age" in text  # the charts
    assert re.search(r"Outstanding \$150\.00", text)  # the money table

    with seeded(database_url) as session:  # a case arrives after the report was printed
        late = Seeder(session)
        late.n = 100
        late.case(utc("2026-03-20T15:00Z"), violation_code="PS-REFUSE")
    again = await console.http.get(MARCH)
    assert again.content == first.content  # the council's copy, not a new print with today's numbers
    with session_factory(make_engine(database_url))() as session:
        stored = session.exec(select(CouncilReport)).all()
    assert [(r.period_first.isoformat(), r.period_last.isoformat(), r.created_by) for r in stored] == [
        ("2026-03-01", "2026-03-31", "executive")
    ]
    assert stored[0].sha256 == hashlib.sha256(first.content).hexdigest()
    listing = (await console.http.get("/reports")).text
    assert 'href="/reports/council.pdf?from=2026-03-01&amp;to=2026-03-31">2026-03-01 to 2026-03-31</a>' in listing
    assert stored[0].sha256[:16] in listing

    tomorrow = (datetime.now(UTC) + timedelta(days=1)).date()
    unfinished = await console.http.get(f"/reports/council.pdf?from=2026-03-01&to={tomorrow}")
    assert unfinished.status_code == 422 and "has not ended" in unfinished.text and '"to"' in unfinished.text
    backwards = await console.http.get("/reports/council.pdf?from=2026-03-31&to=2026-03-01")
    assert backwards.status_code == 422 and "before it begins" in backwards.text

    console.http.cookies.clear()
    await sign_in(console.http, "clerk")
    assert (await console.http.get(MARCH)).status_code == 403

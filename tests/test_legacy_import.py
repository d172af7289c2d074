"""Importing a legacy export (issue 16) on SQLite and PostgreSQL: a dry run writes nothing and reports every row
and problem with exact counts; the import writes only what passes, a second run changes nothing and a corrected
file updates one case; closed cases become history that reports count by their legacy dates; owner names go to
the assessment roll only and complainants' names to the complainants table only."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlmodel import Session, col, select

from config.settings import get_settings
from domain.city import City
from domain.legacy_cases import Problem
from domain.policy import Policy
from domain.stages import CaseStage, Outcome
from records.db import SessionFactory, make_engine, session_factory, transaction
from records.intake import pending_workflow_starts
from records.legacy_cases import LegacyCaseRecord
from records.report_queries import ReportFilter
from records.tables import Case, CaseEvent, Complainant, Complaint, LedgerLine, Parcel, UnpaidCharge
from scripts import import_cases
from scripts.make_legacy_export import demo_parcels, sample_rows, to_csv, to_xlsx
from services.legacy_import.plan import Action, ImportPlan
from services.legacy_import.run import plan_import, write_plan
from services.reports import REPORTS, read_report
from tests.test_legacy_import_reading import EXAMPLE, example
from tests.test_reports import CALENDAR

TABLES = ("cases", "complaints", "case_events", "complainants", "legacy_cases", "case_ledger", "counters")


def sessions_of(url: str) -> SessionFactory:
    return session_factory(make_engine(url))


def run(url: str, policy: Policy, city: City, rows: list[dict[str, str]], *, write: bool = True) -> ImportPlan:
    sessions = sessions_of(url)
    plan = plan_import(sessions, policy, city, "export.csv", to_csv(rows), example(), date.today())
    if write:
        write_plan(sessions, policy, plan, "export.csv", batch=40)
    return plan


def everything(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table the import writes, to compare before and after."""
    with sessions_of(url)() as session:
        return {
            table: sorted(map(tuple, session.execute(text(f"SELECT * FROM {table}"))), key=repr)  # noqa: S608
            for table in (*TABLES, "parcels")
        }


@pytest.fixture
def rows() -> list[dict[str, str]]:
    return sample_rows(date.today())


EXPECTED_PROBLEMS = {
    Problem.NO_LEGACY_NUMBER: 1,
    Problem.UNMAPPED_TYPE: 1,
    Problem.UNMAPPED_STATUS: 1,
    Problem.UNPARSEABLE_DATE: 1,
    Problem.UNPARSEABLE_AMOUNT: 1,
    Problem.NO_CLOSED_DATE: 1,
    Problem.CLOSED_BEFORE_OPENED: 1,
    Problem.CONFLICTING_DUPLICATE: 1,
    Problem.NO_PARCEL: 1,
    Problem.POINT_OUTSIDE_CITY: 1,
    Problem.UNMAPPED_OFFICER: 1,
}
REFUSED = {"X-01", "X-02", "X-03", "X-04", "X-05", "X-06", "X-07", "X-12"}


def test_a_dry_run_writes_nothing_and_reports_every_row_and_problem(
    database_url: str,
    policy: Policy,
    city: City,
    rows: list[dict[str, str]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    before = everything(database_url)
    plan = run(database_url, policy, city, rows, write=False)
    assert everything(database_url) == before
    assert plan.problem_counts() == EXPECTED_PROBLEMS
    assert [line.row for line in plan.lines()] == list(range(2, len(rows) + 2))  # every row, none dropped
    refused = {line.legacy_case_number for line in plan.lines() if line.action == Action.REFUSED.value}
    assert refused == REFUSED | {""}
    lines = {line.legacy_case_number: line for line in plan.lines() if line.legacy_case_number.startswith("X-")}
    assert lines["X-05"].problems == "no_parcel: address '9999 Nowhere Blvd'"
    assert lines["X-08"].action == Action.CREATE_CLOSED.value and lines["X-08"].matched_by == "address"
    assert lines["X-08"].problems.startswith("point_outside_city: (51.50720, -0.12760)")

    # The command line says the same, as CSV, and writes nothing either.
    monkeypatch.setenv("DATABASE_URL", database_url)
    get_settings.cache_clear()
    export, report = tmp_path / "export.csv", tmp_path / "report.csv"
    export.write_bytes(to_csv(rows, delimiter=";", encoding="latin-1"))
    try:
        assert import_cases.main([str(export), "--mapping", str(EXAMPLE), "--dry-run", "--report", str(report)]) == 0
    finally:
        get_settings.cache_clear()
    assert everything(database_url) == before
    per_row, counts = report.read_text(encoding="utf-8").split("\n\nproblem,count,meaning\n")
    assert len(list(csv.DictReader(io.StringIO(per_row)))) == len(rows)
    counted = {r[0]: int(r[1]) for r in csv.reader(io.StringIO(counts.split("\n\n")[0]))}
    assert counted == {p.value: n for p, n in EXPECTED_PROBLEMS.items()}


def test_the_import_writes_what_passes_and_a_second_run_changes_nothing(
    database_url: str, policy: Policy, city: City, rows: list[dict[str, str]]
) -> None:
    first = run(database_url, policy, city, rows)
    created = first.action_counts()
    assert created[Action.REFUSED] == len(REFUSED)
    with sessions_of(database_url)() as session:
        imported = set(session.exec(select(LegacyCaseRecord.legacy_case_number)))
    assert len(imported) == created[Action.CREATE_CLOSED] + created[Action.CREATE_OPEN]
    assert not imported & REFUSED and {"X-08", "X-09", "X-10", "X-11"} <= imported

    after_first = everything(database_url)
    second = run(database_url, policy, city, rows)
    assert second.action_counts() == {Action.UNCHANGED: len(imported), Action.REFUSED: len(REFUSED)}
    assert everything(database_url) == after_first


def test_a_corrected_file_updates_the_one_case_it_corrects(
    database_url: str, policy: Policy, city: City, rows: list[dict[str, str]]
) -> None:
    run(database_url, policy, city, rows)
    target = next(r for r in rows if r["CASE_STATUS"] == "COMPLETED" and r["CASE_NO"].startswith("CE"))
    number = target["CASE_NO"]
    closed = datetime.strptime(target["CLOSED_DT"], "%m/%d/%Y").date() + timedelta(days=3)
    corrected = [r | {"CLOSED_DT": f"{closed:%m/%d/%Y}"} if r["CASE_NO"] == number else r for r in rows]
    before = everything(database_url)

    plan = run(database_url, policy, city, corrected)
    counts = plan.action_counts()
    assert counts[Action.UPDATE] == 1 and Action.CREATE_CLOSED not in counts and Action.CREATE_OPEN not in counts
    with sessions_of(database_url)() as session:
        record = session.get(LegacyCaseRecord, number)
        assert record is not None
        case = session.get(Case, record.case_number)
        assert case is not None and case.closed_at is not None
        assert case.closed_at.astimezone(policy.calendar.zone).date() == closed
        kinds = {e.kind: e for e in session.exec(select(CaseEvent).where(CaseEvent.case_number == case.case_number))}
        assert kinds["legacy_closed"].occurred_at is not None
        assert kinds["legacy_closed"].occurred_at.astimezone(policy.calendar.zone).date() == closed
        assert "import_corrected" in kinds and "imported" in kinds
    after = everything(database_url)
    changed_cases = set(after["cases"]) - set(before["cases"])
    assert len(changed_cases) == 1  # the one case, no other


def test_closed_cases_become_history_with_their_legacy_dates_and_reports_count_them(
    database_url: str, policy: Policy, city: City, rows: list[dict[str, str]]
) -> None:
    began = datetime.now(UTC)
    run(database_url, policy, city, rows)
    legacy = [r for r in rows if r["CASE_STATUS"] == "COMPLETED" and r["CASE_NO"].startswith("CE")]
    number = max({r["CASE_NO"] for r in legacy}, key=lambda n: sum(r["CASE_NO"] == n for r in legacy))
    own = [r for r in rows if r["CASE_NO"] == number]
    opened = datetime.strptime(own[0]["OPENED_DT"], "%m/%d/%Y").date()
    closed = datetime.strptime(own[0]["CLOSED_DT"], "%m/%d/%Y").date()
    zone = policy.calendar.zone
    with sessions_of(database_url)() as session:
        record = session.get(LegacyCaseRecord, number)
        assert record is not None and record.resume is None and record.legacy_status == "COMPLETED"
        case = session.get(Case, record.case_number)
        assert case is not None
        assert (case.stage, case.outcome, case.workflow_started_at) == (
            CaseStage.CLOSED,
            Outcome.VOLUNTARY_COMPLIANCE,
            None,
        )
        assert case.opened_at.astimezone(zone).date() == opened and case.case_number.startswith(f"CE-{opened.year}-")
        events = list(
            session.exec(
                select(CaseEvent).where(CaseEvent.case_number == case.case_number).order_by(col(CaseEvent.occurred_at))
            )
        )
        kinds = {e.kind: e for e in events}
        assert sorted(e.kind for e in events) == sorted(
            ["legacy_opened", *["legacy_violation_found"] * len(own), "legacy_closed", "imported"]
        )
        assert kinds["legacy_opened"].occurred_at.astimezone(zone).date() == opened  # type: ignore[union-attr]
        assert kinds["legacy_closed"].occurred_at.astimezone(zone).date() == closed  # type: ignore[union-attr]
        assert all(e.data["legacy_status"] == "COMPLETED" for e in events)
        found = [e.summary for e in events if e.kind == "legacy_violation_found"]
        assert all(any(r["VIOL_DESC"] in summary for summary in found) for r in own)
        imported = kinds["imported"]  # the server's time, apart from the legacy dates
        assert imported.occurred_at and imported.occurred_at >= began - timedelta(seconds=5)
        assert imported.actor == "import" and kinds["legacy_opened"].actor == "legacy system"
        # No workflow: the reconciler finds nothing to start among closed history.
        assert case.case_number not in {c.case_number for c in pending_workflow_starts(session, 10_000)}

        # The compliance report of the legacy year counts the case, by its legacy dates.
        wanted = ReportFilter.model_validate(
            {"period": "custom", "from": f"{closed.year}-01-01", "to": f"{closed.year}-12-31"}
        )
        reading = read_report(session, REPORTS["compliance"], wanted, datetime.now(UTC), CALENDAR)
        counted = next(f for f in reading.report.figures if f.key == "all-median")
        assert case.case_number in counted.cases


def test_owners_go_to_the_roll_and_complainants_to_their_table_only(
    database_url: str, policy: Policy, city: City, rows: list[dict[str, str]]
) -> None:
    owned = next(r for r in rows if r["CASE_NO"] == "X-11")
    sessions = sessions_of(database_url)
    with transaction(sessions) as session:
        parcel = session.exec(select(Parcel).where(Parcel.address == owned["SITE_ADDR"])).one()
        parcel.owner_name, parcel.owner_mailing_address = "", ""  # the roll has no owner for this property
        session.add(parcel)
    run(database_url, policy, city, rows)
    with sessions() as session:
        parcel = session.exec(select(Parcel).where(Parcel.address == owned["SITE_ADDR"])).one()
        assert (parcel.owner_name, parcel.owner_mailing_address) == ("Zoë Brontë", "1 Rue de la Paix, Paris")
        others = session.exec(select(Parcel).where(Parcel.owner_name == "Zoë Brontë")).all()
        assert len(others) == 1  # a roll that names an owner keeps its own
        record = session.get(LegacyCaseRecord, "X-10")
        assert record is not None
        complaint = session.exec(select(Complaint).where(Complaint.case_number == record.case_number)).one()
        person = session.get(Complainant, complaint.complainant_id)
        assert person is not None and person.name == "José Peña"
        for name in ("José Peña", "Zoë Brontë", "Rue de la Paix"):
            assert not _anywhere_but_the_roll_and_complainants(session, name), name


def _anywhere_but_the_roll_and_complainants(session: Session, name: str) -> list[str]:
    found = [e.summary for e in session.exec(select(CaseEvent)) if name in e.summary or name in repr(e.data)]
    found += [c.description for c in session.exec(select(Complaint)) if name in c.description + c.location_text]
    found += [str(r.resume) for r in session.exec(select(LegacyCaseRecord)) if r.resume and name in repr(r.resume)]
    return found


def test_fines_and_payments_of_closed_cases_are_on_their_account(
    database_url: str, policy: Policy, city: City, rows: list[dict[str, str]]
) -> None:
    run(database_url, policy, city, rows)
    fined = next(r for r in rows if r["FINE_AMT"] and r["PAID_AMT"] and r["CASE_NO"].startswith("CE"))
    with sessions_of(database_url)() as session:
        record = session.get(LegacyCaseRecord, fined["CASE_NO"])
        assert record is not None
        lines = session.exec(select(LedgerLine).where(LedgerLine.case_number == record.case_number)).all()
        amount = fined["FINE_AMT"].replace("$", "")
        assert sorted((line.entry_type, str(line.amount)) for line in lines) == [("fine", amount), ("payment", amount)]
        # What each imported account still owes is kept as the record writer keeps it, for the money report and
        # finance's worklist: the fines less the payments, nothing for an account paid in full.
        balance: dict[str, Decimal] = defaultdict(Decimal)
        for line in session.exec(select(LedgerLine)).all():
            balance[line.case_number] += -line.amount if line.entry_type == "payment" else line.amount
        kept: dict[str, Decimal] = defaultdict(Decimal)
        for charge in session.exec(select(UnpaidCharge)).all():
            kept[charge.case_number] += charge.owed
        assert dict(kept) == {number: owed for number, owed in balance.items() if owed > 0} and kept


@pytest.mark.parametrize("form", ["xlsx", "latin-1 tab-separated"])
def test_one_row_per_case_with_lat_lon_points_imports_from_excel_or_latin_1(
    database_url: str, policy: Policy, city: City, form: str
) -> None:
    parcels = demo_parcels()[20:26]
    base = sample_rows(date.today())[-3]  # a clean closed case of the sample
    rows = [
        base | {"CASE_NO": f"PC-{n}", "SITE_ADDR": "", "APN": "", "X_COORD": str(p.lon), "Y_COORD": str(p.lat)}
        for n, p in enumerate(parcels[:4])
    ]
    rows.append(
        base | {"CASE_NO": "PC-LONDON", "SITE_ADDR": parcels[4].address, "X_COORD": "-0.1276", "Y_COORD": "51.5072"}
    )
    rows.append(base | {"CASE_NO": "PC-UNCOVERED", "CASE_STATUS": "ON HOLD (LEGAL)"})
    rows.append(base | {"CASE_NO": "PC-ACCENT", "SITE_ADDR": parcels[5].address, "COMPLAINANT": "Renée Ångström"})
    rows.append(base | {"CASE_NO": "PC-ACCENT", "SITE_ADDR": parcels[5].address, "COMPLAINANT": "Renée Ångström"})
    mapping = example(
        **{'shape = "per_violation"': 'shape = "per_case"', 'system = "EPSG:3418"': 'system = "EPSG:4326"'}
    )
    content, name = (
        (to_xlsx(rows), "export.xlsx")
        if form == "xlsx"
        else (to_csv(rows, delimiter="\t", encoding="latin-1"), "export.txt")
    )
    sessions = sessions_of(database_url)
    plan = plan_import(sessions, policy, city, name, content, mapping, date.today())
    write_plan(sessions, policy, plan, name)
    assert plan.problem_counts() == {
        Problem.UNMAPPED_STATUS: 1,
        Problem.POINT_OUTSIDE_CITY: 1,
        Problem.DUPLICATE_ROW: 1,
    }
    by_number = {c.legacy.legacy_number: c for c in plan.cases}
    assert [by_number[f"PC-{n}"].parcel_id for n in range(4)] == [p.parcel_id for p in parcels[:4]]
    assert {by_number[f"PC-{n}"].matched_by for n in range(4)} == {"point"}
    assert (by_number["PC-LONDON"].parcel_id, by_number["PC-LONDON"].matched_by) == (parcels[4].parcel_id, "address")
    with sessions() as session:
        imported = set(session.exec(select(LegacyCaseRecord.legacy_case_number)))
        assert imported == {"PC-0", "PC-1", "PC-2", "PC-3", "PC-LONDON", "PC-ACCENT"}
        assert session.exec(select(Complainant).where(Complainant.name == "Renée Ångström")).one()

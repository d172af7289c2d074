"""What importing an export would do, case by case and row by row: the plan a dry run reports and an import
carries out. Reading the database is all it does."""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from domain.legacy_cases import Finding, LegacyCase, LegacyRow, Problem, open_stage, read_cases
from domain.legacy_mapping import LegacyMapping
from domain.stages import CaseStage
from records.legacy_cases import KnownLegacyCase
from services.legacy_import.parcels import ParcelMatcher


class Action(StrEnum):
    CREATE_CLOSED = "create closed case"
    CREATE_OPEN = "create open case"
    UPDATE = "update"
    UNCHANGED = "unchanged"
    REFUSED = "not imported"


@dataclass
class PlannedCase:
    legacy: LegacyCase
    parcel_id: str | None
    matched_by: str
    stage: CaseStage | None
    fingerprint: str
    known: KnownLegacyCase | None
    action: Action

    @property
    def case_number(self) -> str:
        return self.known.case_number if self.known else ""


@dataclass(frozen=True)
class ReportLine:
    row: int
    legacy_case_number: str
    action: str
    case_number: str
    stage: str
    parcel_id: str
    matched_by: str
    problems: str


@dataclass
class ImportPlan:
    cases: list[PlannedCase]
    stray: list[Finding]
    rows: int

    def to_write(self) -> list[PlannedCase]:
        return [c for c in self.cases if c.action in (Action.CREATE_CLOSED, Action.CREATE_OPEN, Action.UPDATE)]

    def findings(self) -> Iterator[Finding]:
        yield from self.stray
        for case in self.cases:
            yield from case.legacy.findings

    def problem_counts(self) -> dict[Problem, int]:
        """How often each problem was found, in the order of `Problem`."""
        counts = Counter(f.problem for f in self.findings())
        return {problem: counts[problem] for problem in Problem if counts[problem]}

    def action_counts(self) -> dict[Action, int]:
        counts = Counter(c.action for c in self.cases)
        return {action: counts[action] for action in Action if counts[action]}

    def lines(self) -> list[ReportLine]:
        """One line per row of the export: what happens to its case, and the problems found on it."""
        by_row: dict[int, ReportLine] = {}
        for case in self.cases:
            for row in case.legacy.rows:
                problems = "; ".join(f"{f.problem.value}: {f.detail}" for f in case.legacy.findings if f.row == row)
                by_row[row] = ReportLine(
                    row=row,
                    legacy_case_number=case.legacy.legacy_number,
                    action=case.action.value,
                    case_number=case.case_number,
                    stage=case.stage.value if case.stage else "",
                    parcel_id=case.parcel_id or "",
                    matched_by=case.matched_by,
                    problems=problems,
                )
        for finding in self.stray:
            by_row[finding.row] = ReportLine(
                finding.row, "", Action.REFUSED.value, "", "", "", "", f"{finding.problem.value}: {finding.detail}"
            )
        return [by_row[row] for row in sorted(by_row)]


def make_plan(
    rows: list[LegacyRow],
    mapping: LegacyMapping,
    matcher: ParcelMatcher,
    known: dict[str, KnownLegacyCase],
    today: date,
) -> ImportPlan:
    legacy_cases, stray = read_cases(rows, mapping)
    return ImportPlan([_plan_case(case, matcher, known, today) for case in legacy_cases], stray, len(rows))


def _plan_case(case: LegacyCase, matcher: ParcelMatcher, known: dict[str, KnownLegacyCase], today: date) -> PlannedCase:
    match = matcher.match(case)
    case.findings += match.findings
    before = known.get(case.legacy_number)
    fingerprint = case.fingerprint(match.parcel_id or "")
    stage = None if case.refused or case.rule is None else CaseStage.CLOSED if case.closed else open_stage(case, today)
    if before is not None and before.fingerprint != fingerprint and before.workflow_started:
        case.note(Problem.OPEN_CASE_RUNNING, f"case {before.case_number}")
    if case.refused:
        action = Action.REFUSED
    elif before is None:
        action = Action.CREATE_CLOSED if case.closed else Action.CREATE_OPEN
    else:
        action = Action.UNCHANGED if before.fingerprint == fingerprint else Action.UPDATE
    return PlannedCase(case, match.parcel_id, match.by, stage, fingerprint, before, action)


REPORT_HEADINGS = [
    "row", "legacy_case_number", "action", "case_number", "stage", "parcel_id", "matched_by", "problems",
]  # fmt: skip


def report_csv(plan: ImportPlan) -> str:
    """The dry-run report: a line per row, then the counts per problem and per action."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(REPORT_HEADINGS)
    for line in plan.lines():
        writer.writerow([getattr(line, h) for h in REPORT_HEADINGS])
    writer.writerow([])
    writer.writerow(["problem", "count", "meaning"])
    for problem, count in plan.problem_counts().items():
        writer.writerow([problem.value, count, problem.meaning])
    writer.writerow([])
    writer.writerow(["action", "cases"])
    for action, count in plan.action_counts().items():
        writer.writerow([action.value, count])
    return out.getvalue()


def summary_lines(plan: ImportPlan) -> Iterable[str]:
    yield f"{plan.rows} rows, {len(plan.cases)} cases"
    for action, count in plan.action_counts().items():
        yield f"  {action.value}: {count}"
    for problem, count in plan.problem_counts().items():
        yield f"  {problem.value}: {count} ({problem.meaning})"

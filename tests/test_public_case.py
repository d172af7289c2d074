"""The public words for a case: only listed steps, in fixed words; what comes next; the outcome."""

from __future__ import annotations

from datetime import date

from domain.public_case import PUBLIC_STAGES, next_milestone, public_outcome, public_steps
from domain.stages import CaseStage


def test_only_public_steps_are_shown_and_never_in_staff_words() -> None:
    events = [
        ("complaint_received", date(2026, 3, 2)),
        ("note", date(2026, 3, 3)),  # an officer's note stays inside
        ("owner_reported_compliance", date(2026, 3, 4)),  # so does what the owner told the city
        ("inspection_violation_found", date(2026, 3, 5)),
        ("closed", date(2026, 4, 1)),
    ]
    steps = public_steps(events)
    assert [(s.on.day, s.what) for s in steps] == [
        (2, "Report received"),
        (5, "Inspected: a violation was found"),
        (1, "Case closed"),
    ]


def test_every_stage_has_plain_words_and_what_comes_next_has_a_date_where_the_case_has_one() -> None:
    assert set(PUBLIC_STAGES) == set(CaseStage)
    assert next_milestone(CaseStage.INVESTIGATING, inspection_due=date(2026, 3, 9), compliance_deadline=None) == (
        "An officer inspects the property by March 9, 2026"
    )
    waiting = next_milestone(CaseStage.AWAITING_COMPLIANCE, inspection_due=None, compliance_deadline=date(2026, 4, 1))
    assert waiting is not None and "by April 1, 2026" in waiting
    assert next_milestone(CaseStage.CLOSED, inspection_due=None, compliance_deadline=None) is None
    assert public_outcome("voluntary_compliance") == "The condition was corrected"
    assert public_outcome(None) is None

"""The register of workflow versions: every `workflow.patched` id the case workflow uses, when it came, what it
guards, which recorded histories (tests/histories/) pin each branch, and when it can be retired.

A patch id stays in the code while any case that started before it may still be running: replaying such a case
takes the old branch. Once none is left (the Temporal UI's query `ExecutionStatus = "Running" AND StartTime <
"<introduced>"` finds nothing), the id moves to `workflow.deprecate_patch` for one release, and then goes with
its old branch. `tests/test_workflow_versions.py` fails when the code uses an id that is not listed here, or a
listed id has no recorded history of either branch.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from temporalio import workflow


@dataclass(frozen=True)
class Patch:
    id: str
    introduced: date
    guards: str
    old_branch: tuple[str, ...]  # histories recorded before the patch: they replay the old commands
    new_branch: tuple[str, ...]  # histories that carry the patch's marker

    @property
    def retire_when(self) -> str:
        return f"no running case started before {self.introduced:%Y-%m-%d}: then workflow.deprecate_patch"


RECORDS_BY_LOCAL_ACTIVITY = "records-by-local-activity"
SERVED_NOTICE_LETTER = "served-notice-letter"
OWNER_REMINDERS_SENT = "owner-reminders-sent"
NOTICE_SERVED_BY_EMAIL = "notice-served-by-email"
COMPLAINANT_UPDATES = "complainant-updates"
SERVICE_FALLBACK = "service-fallback"
CASE_LETTERS = "case-letters"
OWNER_DEADLINE_REMINDERS = "owner-deadline-reminders"
REPLIES_DUE = "replies-due"  # AlertRoundWorkflow
PAUSED_CLOCK_RESUMES = "paused-clock-resumes"
FINE_NOTICES = "fine-notices"
ACCOUNT_OUTLIVES_ENFORCEMENT = "account-outlives-enforcement"
OWNER_REPORT_NOTED_ONCE = "owner-report-noted-once"
LIEN_RELEASE_LETTER = "lien-release-letter"
REINSPECTION_FEES = "reinspection-fees"
TRIAGE_IN_ONE_READ = "triage-in-one-read"
COURT_TRACK = "court-track"
REMINDERS_ON_THE_WALL_CLOCK = "reminders-on-the-wall-clock"
CASE_CHANGES_TO_2026_12_06 = "case-changes-to-2026-12-06"

# The case workflow's changes up to that day, which a case started since then takes with one marker between them.
IN_CASE_CHANGES_TO_2026_12_06 = frozenset(
    {
        RECORDS_BY_LOCAL_ACTIVITY,
        SERVED_NOTICE_LETTER,
        OWNER_REMINDERS_SENT,
        NOTICE_SERVED_BY_EMAIL,
        COMPLAINANT_UPDATES,
        SERVICE_FALLBACK,
        CASE_LETTERS,
        OWNER_DEADLINE_REMINDERS,
        PAUSED_CLOCK_RESUMES,
        FINE_NOTICES,
        ACCOUNT_OUTLIVES_ENFORCEMENT,
        OWNER_REPORT_NOTED_ONCE,
        LIEN_RELEASE_LETTER,
        REINSPECTION_FEES,
        TRIAGE_IN_ONE_READ,
        COURT_TRACK,
        REMINDERS_ON_THE_WALL_CLOCK,
    }
)


def patched(patch_id: str) -> bool:
    """`workflow.patched`, with the changes up to 2026-12-06 taken together by a case started since.

    Each patch a new workflow meets costs a marker and an upsert of the `TemporalChangeVersion` search attribute:
    the server writes the workflow's visibility row again for each (six times by triage; about seventeen over a
    case's life). A case that carries the marker of `CASE_CHANGES_TO_2026_12_06` takes every change it gathers
    without a marker of its own; a case started before it has no such marker (the SDK remembers the answer for the
    run, and replay finds no marker), so it asks for each change by its own marker, as before. New changes are
    patched one by one, as always, until the next such gathering."""
    if patch_id in IN_CASE_CHANGES_TO_2026_12_06 and workflow.patched(CASE_CHANGES_TO_2026_12_06):
        return True
    return workflow.patched(patch_id)


REGISTER: tuple[Patch, ...] = (
    Patch(
        RECORDS_BY_LOCAL_ACTIVITY,
        date(2026, 11, 21),
        "each transition is recorded by a local activity instead of an activity (one workflow task fewer)",
        old_branch=("voluntary_compliance", "appeal_upheld", "remediation_lien", "fines_hearing_lien_prosecution"),
        new_branch=(
            "voluntary_compliance_local_records",
            "appeal_upheld_local_records",
            "remediation_lien_local_records",
        ),
    ),
    Patch(
        SERVED_NOTICE_LETTER,
        date(2026, 11, 22),
        "the notice's letter is rendered when service is recorded, with the exact deadlines",
        old_branch=("voluntary_compliance_local_records", "appeal_upheld_local_records"),
        new_branch=("voluntary_compliance_served_letters", "appeal_upheld_served_letters"),
    ),
    Patch(
        OWNER_REMINDERS_SENT,
        date(2026, 11, 22),
        "the owner's reminders before the compliance deadline are sent (before: only noted on the timeline)",
        old_branch=("voluntary_compliance_served_letters", "fines_hearing_lien_prosecution_served_letters"),
        new_branch=("voluntary_compliance_owner_reminders", "extension_then_compliance_owner_reminders"),
    ),
    Patch(
        NOTICE_SERVED_BY_EMAIL,
        date(2026, 11, 22),
        "service by e-mail sends the served letter (before: e-mail service was only recorded)",
        old_branch=("voluntary_compliance_served_letters",),
        new_branch=("served_by_email", "notice_to_closure_letters"),
    ),
    Patch(
        COMPLAINANT_UPDATES,
        date(2026, 11, 22),
        "complainants who left contacts hear of receipt, inspection and closure",
        old_branch=("voluntary_compliance_served_letters", "served_by_email"),
        new_branch=("complainant_updates", "complainant_updates_case_letters"),
    ),
    Patch(
        SERVICE_FALLBACK,
        date(2026, 11, 22),
        "a bounced or refused service e-mail falls back to the policy's next method (before: the action was refused)",
        old_branch=("served_by_email",),
        new_branch=("service_refused_then_posted", "notice_to_closure_letters"),
    ),
    Patch(
        CASE_LETTERS,
        date(2026, 11, 22),
        "letters to the owner at each later step and to complainants (acknowledgement, closure)",
        old_branch=("complainant_updates",),
        new_branch=(
            "complainant_updates_case_letters",
            "appeal_dismissed_case_letters",
            "remediation_lien_case_letters",
        ),
    ),
    Patch(
        OWNER_DEADLINE_REMINDERS,
        date(2026, 12, 4),
        "reminders before each unpaid fine's due date and the hearing too (before: the compliance deadline only)",
        old_branch=("fines_hearing_lien_prosecution_case_letters", "notice_to_closure_letters"),
        new_branch=("deadline_reminders",),
    ),
    Patch(
        REPLIES_DUE,
        date(2026, 12, 5),
        "the alert round also alarms replies to residents overdue past the next business day (AlertRoundWorkflow)",
        old_branch=("alert_round",),
        new_branch=("alert_round_replies_due",),
    ),
    Patch(
        PAUSED_CLOCK_RESUMES,
        date(2026, 12, 5),
        "an appeal keeps the compliance days left, and an upholding decision gives them back (before: the whole period again)",
        old_branch=("appeal_upheld_served_letters", "appeal_dismissed_case_letters"),
        new_branch=("appeal_resumes_with_days_left", "appeal_dismissed_paused_clock"),
    ),
    Patch(
        FINE_NOTICES,
        date(2026, 12, 5),
        "every fine is a notice: its letter, its own appeal window, and a message on the owner's channel",
        old_branch=("fines_hearing_lien_prosecution_case_letters", "deadline_reminders"),
        new_branch=("fine_notice_upheld", "fine_notice_reduced", "fine_notice_cancelled"),
    ),
    Patch(
        ACCOUNT_OUTLIVES_ENFORCEMENT,
        date(2026, 12, 5),
        "a case closed with money owing keeps its account open until paid or written off (before: it completed)",
        old_branch=("fines_hearing_lien_prosecution_case_letters", "remediation_lien_case_letters"),
        new_branch=("paid_after_closure", "written_off_after_closure"),
    ),
    Patch(
        OWNER_REPORT_NOTED_ONCE,
        date(2026, 12, 5),
        "the owner's same report of compliance again, the case unchanged since, writes no timeline line (before: one"
        " per press of the owner page's button)",
        old_branch=("owner_reported_compliance_repeatedly",),
        new_branch=("owner_reported_compliance_repeatedly_heard_once",),
    ),
    Patch(
        LIEN_RELEASE_LETTER,
        date(2026, 12, 5),
        "a lien paid in full is released with a release letter to the owner (before: only marked released)",
        old_branch=("paid_after_closure",),
        new_branch=("lien_released_with_letter",),
    ),
    Patch(
        REINSPECTION_FEES,
        date(2026, 12, 5),
        "a reinspection from the policy's configured one on that finds the violation bills the reinspection fee, "
        "told on the owner's next letter (before: never billed)",
        old_branch=("fines_hearing_lien_prosecution_case_letters", "paid_after_closure"),
        new_branch=("reinspection_fees_billed",),
    ),
    Patch(
        TRIAGE_IN_ONE_READ,
        date(2026, 12, 5),
        "triage reads the parcel, the officer and the first inspection's due date in one local activity (before: three), "
        "and sends the complainants' news and acknowledgement side by side (before: one after the other)",
        old_branch=("deadline_reminders", "response_target_missed"),
        new_branch=("voluntary_compliance_triage_one_read", "response_target_missed_triage_one_read"),
    ),
    Patch(
        COURT_TRACK,
        date(2026, 12, 6),
        "a referral for prosecution opens the court track: the charges filed (court, docket, sections), court dates "
        "with the officer reminded before each, the outcome and a court fine on the account (before: the referral "
        "waited on a supervisor's close only)",
        old_branch=("fines_hearing_lien_prosecution_case_letters", "fines_hearing_lien_prosecution"),
        new_branch=("prosecuted_convicted_court_fine",),
    ),
    Patch(
        REMINDERS_ON_THE_WALL_CLOCK,
        date(2026, 12, 6),
        "the owner's reminders and the officer's court reminders come the policy's days before their deadline on the "
        "city's wall clock, at the deadline's time of day (before: in elapsed 24-hour days, an hour off across a "
        "change to or from daylight saving time)",
        old_branch=(
            "deadline_reminders",
            "extension_then_compliance_owner_reminders",
            "prosecuted_convicted_court_fine",
        ),
        new_branch=("deadline_reminders_wall_clock",),
    ),
    Patch(
        CASE_CHANGES_TO_2026_12_06,
        date(2026, 12, 6),
        "a case takes every change up to 2026-12-06 with this one marker (before: a marker and a search attribute "
        "upsert for each change it met, up to seventeen; see `patched`)",
        old_branch=("prosecuted_convicted_court_fine", "deadline_reminders_wall_clock", "voluntary_compliance"),
        new_branch=(
            "voluntary_compliance_one_marker",
            "prosecuted_convicted_court_fine_one_marker",
            "deadline_reminders_one_marker",
        ),
    ),
)

"""Who may do what. Every route asks here, so the rules are read in one place."""

from enum import StrEnum


class Role(StrEnum):
    CLERK = "clerk"
    OFFICER = "officer"
    SUPERVISOR = "supervisor"
    HEARING_OFFICER = "hearing_officer"
    FINANCE = "finance"
    ADMIN = "admin"


STAFF = frozenset(Role)
_FIELD = frozenset({Role.OFFICER, Role.SUPERVISOR})

# Intake is front-line work: clerks and 311 agents, officers in the field, and their supervisors.
FILE_COMPLAINT = frozenset({Role.CLERK, Role.OFFICER, Role.SUPERVISOR, Role.ADMIN})
READ_CASE = STAFF
# Who sees a complainant's name and contacts on the case page: those who take complaints and work them.
# Hearing officers judge the owner's case and finance bills the owner: neither needs to know who complained.
SEE_COMPLAINANT = frozenset({Role.CLERK, Role.OFFICER, Role.SUPERVISOR})
READ_REFERENCE_DATA = STAFF

# Staff actions on a case (workflow updates). Closing needs a supervisor: audits found cases closed unreviewed.
CASE_ACTIONS: dict[str, frozenset[Role]] = {
    "schedule_inspection": _FIELD,
    "record_inspection": _FIELD,
    "issue_notice": _FIELD,
    "record_service": _FIELD | {Role.CLERK},
    "grant_extension": frozenset({Role.SUPERVISOR}),
    "deny_extension": frozenset({Role.SUPERVISOR}),
    "record_reinspection": _FIELD,
    "issue_fine": _FIELD,
    "schedule_hearing": frozenset({Role.HEARING_OFFICER, Role.CLERK, Role.SUPERVISOR}),
    "record_decision": frozenset({Role.HEARING_OFFICER}),
    "order_remediation": frozenset({Role.SUPERVISOR}),
    "record_remediation_cost": frozenset({Role.SUPERVISOR, Role.FINANCE}),
    "file_lien": frozenset({Role.FINANCE, Role.SUPERVISOR}),
    "refer_prosecution": frozenset({Role.SUPERVISOR}),
    "record_payment": frozenset({Role.FINANCE}),
    "reassign": frozenset({Role.SUPERVISOR}),
    "add_note": STAFF - {Role.ADMIN},
    "close": frozenset({Role.SUPERVISOR}),
}

# Console pages, in the order the navigation shows them: (path, label, who may open it).
# Issue 5 fills in the pages; the navigation and the role-matrix test read this one list.
CONSOLE_PAGES: tuple[tuple[str, str, frozenset[Role]], ...] = (
    ("/", "Dashboard", STAFF),
    ("/cases", "Cases", STAFF),
    ("/intake", "New complaint", FILE_COMPLAINT),
    ("/my-day", "My day", frozenset({Role.OFFICER})),
    ("/hearings", "Hearings", frozenset({Role.HEARING_OFFICER, Role.CLERK, Role.SUPERVISOR})),
    ("/supervisor", "Supervisor queue", frozenset({Role.SUPERVISOR})),
    ("/outbox", "Outbox", frozenset({Role.SUPERVISOR, Role.ADMIN, Role.CLERK})),
    ("/admin/users", "Users", frozenset({Role.ADMIN})),
)


def console_page_roles(path: str) -> frozenset[Role]:
    for page, _label, roles in CONSOLE_PAGES:
        if page == path:
            return roles
    raise KeyError(f"{path} is not a console page listed in CONSOLE_PAGES")

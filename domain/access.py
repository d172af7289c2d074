"""Who may do what. Every route asks here, so the rules are read in one place."""

from datetime import timedelta
from enum import StrEnum


class Role(StrEnum):
    CLERK = "clerk"
    OFFICER = "officer"
    SUPERVISOR = "supervisor"
    HEARING_OFFICER = "hearing_officer"
    FINANCE = "finance"
    ADMIN = "admin"
    # The CAO and council staff: read-only; they see the reports and cases, never a complainant, and act on nothing.
    EXECUTIVE = "executive"


STAFF = frozenset(Role)

# Intake is front-line work: clerks and 311 agents, officers in the field, and their supervisors.
FILE_COMPLAINT = frozenset({Role.CLERK, Role.OFFICER, Role.SUPERVISOR, Role.ADMIN})
READ_CASE = STAFF
# Who sees a complainant's name and contacts on the case page: those who take complaints and work them.
# Hearing officers judge the owner's case and finance bills the owner: neither needs to know who complained.
SEE_COMPLAINANT = frozenset({Role.CLERK, Role.OFFICER, Role.SUPERVISOR})


def complainant_withheld(role: str, audience: str) -> bool:
    """Whether a message is hidden from this reader: one written to a complainant carries their address and may
    name them or quote their report (a provider's bounce reason quotes the address too), so a role that may not
    see complainants sees only that one was sent, its subject and its delivery status."""
    return audience == "complainant" and role not in SEE_COMPLAINANT


# Residents' e-mails, texts and calls: those who work cases answer them, log calls and visits, record disputes
# and file the unmatched inbox; what a complainant sends is theirs only (domain/communications.py withheld_from).
CORRESPOND = SEE_COMPLAINANT
UNMATCHED_INBOX = SEE_COMPLAINANT
# A dispute of the code is referred to the program manager (a supervisor) and the city attorney; a supervisor
# says when it is settled.
RESOLVE_DISPUTE = frozenset({Role.SUPERVISOR})

READ_REFERENCE_DATA = STAFF
# Letters served by mail are printed, enveloped and mailed by the front office and the officers who serve them.
PRINT_QUEUE = frozenset({Role.CLERK, Role.OFFICER, Role.SUPERVISOR})

# Staff actions on a case (workflow updates) are declared with their roles in `domain.staff_actions`.

# Events from outside that staff enter on someone's behalf (a letter, a phone call, a payment at the counter).
CASE_EVENT_ROLES: dict[str, frozenset[Role]] = {
    "owner_reported_compliance": frozenset({Role.CLERK, Role.OFFICER, Role.SUPERVISOR}),
    "extension_requested": frozenset({Role.CLERK, Role.OFFICER, Role.SUPERVISOR}),
    "appeal_filed": frozenset({Role.CLERK, Role.HEARING_OFFICER, Role.SUPERVISOR}),
    "payment_received": frozenset({Role.FINANCE}),
}

# Sign-in lockout: this many failures within the window lock the account for the lock time. Counted in the
# database (not in a process), so it holds across API replicas; the same rule guards the console and API tokens.
LOCKOUT_FAILURES = 5
LOCKOUT_WINDOW = timedelta(minutes=15)
LOCKOUT_TIME = timedelta(minutes=15)

ADMINISTER = frozenset({Role.ADMIN})
SUPERVISE = frozenset({Role.SUPERVISOR})
HEARINGS = frozenset({Role.HEARING_OFFICER, Role.CLERK, Role.SUPERVISOR})
# The outbox shows what owners and complainants were sent (addresses included): not for every role, and
# messages to complainants only as `complainant_withheld` allows.
READ_OUTBOX = frozenset({Role.SUPERVISOR, Role.ADMIN, Role.CLERK})
# Open311 API keys let outside apps open cases: only administrators issue and revoke them.
MANAGE_OPEN311_KEYS = frozenset({Role.ADMIN})

# Reports on the program (response times, compliance, aging) are for those who run it and answer for it;
# finance sees the money reports too (domain/report_figures.py defines the figures).
READ_REPORTS = frozenset({Role.SUPERVISOR, Role.ADMIN, Role.EXECUTIVE})
READ_MONEY_REPORTS = READ_REPORTS | {Role.FINANCE}
# The open data export is what the city publishes: those who read the reports prepare it.
PUBLISH_OPEN_DATA = READ_REPORTS
# The receivables, payments and liens worklist, and what is done from it (the tax-roll file): finance's own.
FINANCE_WORK = frozenset({Role.FINANCE})
# The scheduled digests are written for the supervisors and the program manager (a supervisor in Abate's roles).
READ_DIGESTS = frozenset({Role.SUPERVISOR, Role.ADMIN})

# Console pages, in the order the navigation shows them: (path, label, who may open it).
# The navigation and the role-matrix test read this one list.
CONSOLE_PAGES: tuple[tuple[str, str, frozenset[Role]], ...] = (
    ("/", "Dashboard", STAFF),
    ("/cases", "Cases", STAFF),
    ("/intake", "New complaint", FILE_COMPLAINT),
    ("/my-day", "Work queue", frozenset({Role.OFFICER, Role.SUPERVISOR})),
    ("/hearings", "Hearings", HEARINGS),
    ("/supervisor", "Supervisor queue", SUPERVISE),
    ("/outbox", "Outbox", READ_OUTBOX),
    ("/reports", "Reports", READ_MONEY_REPORTS),
    ("/finance", "Finance", FINANCE_WORK),
    ("/notifications", "Notifications", STAFF),
    ("/digests", "Digests", READ_DIGESTS),
    ("/inbox", "Unmatched inbox", UNMATCHED_INBOX),
    ("/admin/users", "Users", ADMINISTER),
    ("/admin/officers", "Officers", ADMINISTER),
    ("/admin/zones", "Zones", ADMINISTER),
    ("/admin/import", "Import cases", ADMINISTER),
    ("/admin/open311-keys", "Open311 keys", MANAGE_OPEN311_KEYS),
)


def console_page_roles(path: str) -> frozenset[Role]:
    for page, _label, roles in CONSOLE_PAGES:
        if page == path:
            return roles
    raise KeyError(f"{path} is not a console page listed in CONSOLE_PAGES")

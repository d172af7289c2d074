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

# Intake is front-line work: clerks and 311 agents, officers in the field, and their supervisors.
FILE_COMPLAINT = frozenset({Role.CLERK, Role.OFFICER, Role.SUPERVISOR, Role.ADMIN})
READ_CASE = STAFF
READ_REFERENCE_DATA = STAFF

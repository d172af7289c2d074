"""The custom search attributes operators find cases by in the Temporal UI: stage, priority, violation type,
officer, zone, parcel, next deadline, whether a step is overdue, and an imported case's legacy number.

The dev server, the compose registration job and the test fixtures all register exactly this list.
"""

from temporalio.api.enums.v1 import IndexedValueType
from temporalio.common import SearchAttributeKey

CASE_STAGE = SearchAttributeKey.for_keyword("CaseStage")
CASE_PRIORITY = SearchAttributeKey.for_keyword("CasePriority")
VIOLATION_CODE = SearchAttributeKey.for_keyword("ViolationCode")
ASSIGNED_OFFICER = SearchAttributeKey.for_keyword("AssignedOfficer")
ZONE = SearchAttributeKey.for_keyword("Zone")
PARCEL_ID = SearchAttributeKey.for_keyword("ParcelId")
NEXT_DEADLINE = SearchAttributeKey.for_datetime("NextDeadline")
OVERDUE = SearchAttributeKey.for_bool("Overdue")
LEGACY_CASE_NUMBER = SearchAttributeKey.for_keyword("LegacyCaseNumber")

ALL = (
    CASE_STAGE,
    CASE_PRIORITY,
    VIOLATION_CODE,
    ASSIGNED_OFFICER,
    ZONE,
    PARCEL_ID,
    NEXT_DEADLINE,
    OVERDUE,
    LEGACY_CASE_NUMBER,
)


def dev_server_flags() -> list[str]:
    """`--search-attribute` flags for `temporal server start-dev` (used when the namespace is created)."""
    flags: list[str] = []
    for key in ALL:
        flags += ["--search-attribute", f"{key.name}={key.indexed_value_type.name.title()}"]
    return flags


def indexed_types() -> dict[str, IndexedValueType.ValueType]:
    """The attributes as the operator service's AddSearchAttributes takes them."""
    return {key.name: IndexedValueType.ValueType(key.indexed_value_type.value) for key in ALL}

"""A mapping checked against what it names: the policy's violation codes, the officers on record and a
coordinate system pyproj knows. The file itself is validated by `domain.legacy_mapping`."""

from __future__ import annotations

from collections.abc import Collection

from pyproj import CRS
from pyproj.exceptions import CRSError

from domain.legacy_mapping import LegacyMapping, MappingError, parse_mapping
from domain.policy import Policy


def checked_mapping(text: str, policy: Policy, badges: Collection[str]) -> LegacyMapping:
    """The mapping, or MappingError naming the key at fault and why."""
    mapping = parse_mapping(text)
    for legacy, code in mapping.violation_types.items():
        if policy.for_case(code) is None:
            raise MappingError(f"violation_types.{legacy}: {code} is not a violation type of the policy")
    for legacy, badge in mapping.officers.items():
        if badge not in badges:
            raise MappingError(f"officers.{legacy}: no officer has the badge {badge}")
    try:
        CRS.from_user_input(mapping.coordinates.system)
    except CRSError:
        raise MappingError(f"coordinates.system: {mapping.coordinates.system!r} is not a coordinate system") from None
    return mapping

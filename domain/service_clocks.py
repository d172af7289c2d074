"""The clocks a served notice starts: the owner's compliance period and, for a notice that can be appealed, the
appeal window. Both start at service (not at issue), and service by mail adds the policy's days for the post to
arrive (Redlands CA: 5). A notice kind may run its appeal on a clock of its own (Ontario's Building Code Act
orders: 20 days) instead of the city's default window.
"""

from __future__ import annotations

from datetime import date
from typing import NamedTuple

from domain.case import PausedClock
from domain.policy import CasePolicy
from domain.stages import ServiceMethod


class ServiceClocks(NamedTuple):
    """Calendar days from service: until the appeal window closes (None: not appealable) and until compliance."""

    appeal_days: int | None
    compliance_days: int


def service_clocks(policy: CasePolicy, notice_type: str, method: ServiceMethod) -> ServiceClocks:
    kind = policy.notice(notice_type)
    extra = policy.process.mail_service_extra_days if method is ServiceMethod.MAIL else 0
    appeal = None
    if kind.appealable:
        appeal = (kind.appeal_window_days or policy.process.appeal_window_days) + extra
    return ServiceClocks(appeal_days=appeal, compliance_days=policy.violation.compliance_days + extra)


def fine_appeal_days(policy: CasePolicy, method: ServiceMethod) -> int:
    """A fine notice's own appeal window: the city's, from when it is sent, with the days for the post when mailed."""
    extra = policy.process.mail_service_extra_days if method is ServiceMethod.MAIL else 0
    return policy.process.appeal_window_days + extra


def paused_clock(policy: CasePolicy, appealed_on: date, deadline_on: date) -> PausedClock:
    """The compliance time left when an appeal is filed on `appealed_on`, the city's date: an appeal stops the
    clock (the order is not enforced while it is heard), and an upholding decision gives back what was left."""
    business = policy.process.compliance_in_business_days
    left = policy.calendar.days_between(appealed_on, deadline_on, business=business)
    return PausedClock(days_left=left, business_days=business)

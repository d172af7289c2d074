"""Deadlines computed by the city's calendar.

Run as a local activity rather than in workflow code because the calendar reads the time-zone
database: a tzdata update must not move a deadline on replay, and history records the answer.
"""

from __future__ import annotations

from datetime import datetime

from temporalio import activity

from domain.case import DeadlineRequest


@activity.defn(name="compute_deadline")
def compute_deadline(request: DeadlineRequest) -> datetime:
    calendar = request.calendar
    if request.business_days:
        return calendar.business_days_after(request.start, request.days)
    return calendar.calendar_days_after(request.start, request.days)

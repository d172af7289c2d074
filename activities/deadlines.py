"""Deadlines computed by the city's calendar.

Computed in an activity rather than in workflow code because the calendar reads the time-zone
database: a tzdata update must not change a deadline on replay, and history records the answer.
"""

from __future__ import annotations

from datetime import datetime

from temporalio import activity

from domain.case import ResponseDueRequest


@activity.defn(name="response_due_at")
def response_due_at(request: ResponseDueRequest) -> datetime:
    return request.calendar.business_days_after(request.opened_at, request.business_days)

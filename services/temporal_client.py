"""Client-side use of Temporal (API, worker, reconciler): connecting, starting a case's workflow and acknowledging
a report that joined an open case.

Never imported by workflow code.
"""

from __future__ import annotations

import contextlib
from datetime import timedelta
from typing import Any

from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest, ListSearchAttributesRequest
from temporalio.client import Client, WorkflowHandle
from temporalio.common import SearchAttributePair, TypedSearchAttributes, WorkflowIDReusePolicy
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.runtime import Runtime
from temporalio.service import RPCError, TLSConfig

from config.settings import Settings
from domain.case import CaseStart, CaseState
from domain.case_numbers import case_number_prefix, case_sequence, format_case_number, is_case_number
from domain.messages import ComplainantUpdate
from domain.stages import CaseStage
from workflows import search_attributes as sa
from workflows.acknowledgement import ReportAcknowledgementWorkflow
from workflows.case import CaseWorkflow


def tls_config(settings: Settings) -> TLSConfig | bool | None:
    """mTLS with the client certificate, plain TLS when asked for, else the SDK's choice (TLS with an API key)."""
    if settings.temporal_tls_client_cert and settings.temporal_tls_client_key:
        return TLSConfig(
            client_cert=settings.temporal_tls_client_cert.read_bytes(),
            client_private_key=settings.temporal_tls_client_key.read_bytes(),
        )
    return True if settings.temporal_tls else None


async def connect(settings: Settings, *, lazy: bool = False, runtime: Runtime | None = None) -> Client:
    """A client with the pydantic converter; `lazy` lets the API start while Temporal is down."""
    api_key = settings.temporal_api_key
    return await Client.connect(
        settings.temporal_address,
        namespace=settings.temporal_namespace,
        api_key=api_key.get_secret_value() if api_key else None,
        tls=tls_config(settings),
        data_converter=pydantic_data_converter,
        lazy=lazy,
        runtime=runtime,
    )


HEALTH_CHECK_TIMEOUT = timedelta(seconds=2)


async def temporal_answers(client: Client) -> bool:
    """One health check without retries: cheap enough to ask every second while Temporal is away."""
    try:
        return await client.service_client.check_health(timeout=HEALTH_CHECK_TIMEOUT)
    except (RPCError, RuntimeError, TimeoutError):  # RuntimeError: a lazy client that cannot connect
        return False


class CaseNumberTaken(Exception):
    """Temporal holds a workflow with this case number for another case (another tracking code): the records
    database was restored from a backup older than Temporal's state. Taking it as started would lose the case."""

    def __init__(self, case_number: str) -> None:
        super().__init__(f"Temporal already holds {case_number} for another case")
        self.case_number = case_number


async def _tracking_code_of(client: Client, case_number: str) -> str | None:
    """The tracking code the existing workflow was started with (its current run's input, which a continued case
    carries over), or None when it is not a case's."""
    async for event in client.get_workflow_handle(case_number).fetch_history_events(page_size=1):
        payloads = event.workflow_execution_started_event_attributes.input.payloads
        try:
            [start] = await client.data_converter.decode(payloads, [CaseStart])
        except Exception:  # another workflow type's input: not this case
            return None
        return start.tracking_code if isinstance(start, CaseStart) else None
    return None


async def start_case(client: Client, task_queue: str, start: CaseStart) -> bool:
    """Starts the case's workflow; False when this case's workflow already exists (the id is the case number, so
    never twice); raises CaseNumberTaken when the workflow with that id is another case's."""
    # An imported open case starts at its step (`resume`), with the legacy number it is known by.
    state = start.resume
    pairs: list[SearchAttributePair[Any]] = [
        SearchAttributePair(sa.CASE_STAGE, state.stage.value if state else CaseStage.RECEIVED.value),
        SearchAttributePair(sa.CASE_PRIORITY, start.policy.violation.priority_label),
        SearchAttributePair(sa.VIOLATION_CODE, start.policy.violation.code),
        SearchAttributePair(sa.ZONE, start.zone),
        SearchAttributePair(sa.PARCEL_ID, start.parcel_id),
        SearchAttributePair(sa.OVERDUE, state.overdue if state else False),
    ]
    if state and state.next_deadline:
        pairs.append(SearchAttributePair(sa.NEXT_DEADLINE, state.next_deadline))
    if state and state.officer:
        pairs.append(SearchAttributePair(sa.ASSIGNED_OFFICER, state.officer.badge))
    if start.legacy_case_number:
        pairs.append(SearchAttributePair(sa.LEGACY_CASE_NUMBER, start.legacy_case_number))
    details = f"Tracking code {start.tracking_code} · received by {start.channel.value}"
    if start.legacy_case_number:
        details += f" · imported from legacy case {start.legacy_case_number}"
    try:
        await client.start_workflow(
            CaseWorkflow.run,
            start,
            id=start.case_number,
            task_queue=task_queue,
            # A closed case is not reopened by a late retry: a new complaint makes a new case.
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            search_attributes=TypedSearchAttributes(pairs),
            static_summary=start.summary,
            static_details=details,
        )
    except WorkflowAlreadyStartedError:
        if await _tracking_code_of(client, start.case_number) != start.tracking_code:
            raise CaseNumberTaken(start.case_number) from None
        return False
    return True


async def highest_case_sequence(client: Client, year: int, above: int) -> int | None:
    """The highest sequence of the year's case numbers Temporal holds above `above`, if any (only those are listed:
    a few after a restore, none otherwise)."""
    prefix = case_number_prefix(year)
    beyond = format_case_number(year, above) if above else prefix
    query = (
        f'WorkflowType = "{CaseWorkflow.__name__}" AND WorkflowId STARTS_WITH "{prefix}" AND WorkflowId > "{beyond}"'
    )
    held = [case_sequence(w.id)[1] async for w in client.list_workflows(query) if is_case_number(w.id)]
    return max(held, default=None)


async def acknowledge_report(client: Client, task_queue: str, update: ComplainantUpdate) -> None:
    """Starts the acknowledgement of one joined report; its workflow id is the report's, so it runs once."""
    with contextlib.suppress(WorkflowAlreadyStartedError):
        await client.start_workflow(
            ReportAcknowledgementWorkflow.run,
            update,
            id=f"{update.case_number}-report-{update.complaint_id}-acknowledgement",
            task_queue=task_queue,
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            static_summary=f"Acknowledge report {update.complaint_id} joining case {update.case_number}",
        )


def case_handle(client: Client, case_number: str) -> WorkflowHandle[CaseWorkflow, CaseState]:
    return client.get_workflow_handle_for(CaseWorkflow.run, case_number)


async def register_search_attributes(client: Client) -> list[str]:
    """Adds the custom search attributes a namespace lacks (the dev server only adds them at creation)."""
    existing = await client.operator_service.list_search_attributes(
        ListSearchAttributesRequest(namespace=client.namespace)
    )
    missing = {name: kind for name, kind in sa.indexed_types().items() if name not in existing.custom_attributes}
    if missing:
        await client.operator_service.add_search_attributes(
            AddSearchAttributesRequest(namespace=client.namespace, search_attributes=missing)
        )
    return sorted(missing)

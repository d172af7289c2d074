"""The worker process: `python -m workers.main`. Runs the case workflows and activities, and the reconciler."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from temporalio.client import Client
from temporalio.runtime import PrometheusConfig, Runtime, TelemetryConfig
from temporalio.worker import Worker

from activities.alerts import AlertActivities
from activities.assignment import AssignmentActivities
from activities.deadlines import compute_deadline
from activities.letters import NoticeLetterActivities
from activities.messaging import MessagingActivities, messaging_activities, owner_portal_url
from activities.property import PropertyActivities
from activities.records import RecordsActivities
from activities.staff_alerts import StaffAlertActivities
from activities.triage import TriageActivities
from adapters.letter_pdf import settle_pdfs
from adapters.letter_renderer import LetterRenderer
from config.settings import Settings, get_settings
from domain.city import load_city
from domain.policy import load_policy
from records.db import SessionFactory, make_engine, session_factory
from services.launcher import number_past_temporal_at_start_up
from services.temporal_client import connect
from workers.reconciler import Reconciler
from workers.schedules import ensure_alert_round_schedule, ensure_digest_schedules
from workflows.acknowledgement import ReportAcknowledgementWorkflow
from workflows.alert_rounds import AlertRoundWorkflow
from workflows.case import CaseWorkflow
from workflows.digests import DigestWorkflow
from workflows.hearing import HearingWorkflow
from workflows.remediation import RemediationWorkflow
from workflows.sandbox import workflow_runner

log = logging.getLogger("abate.worker")

WORKFLOWS = [
    CaseWorkflow,
    HearingWorkflow,
    RemediationWorkflow,
    DigestWorkflow,
    ReportAcknowledgementWorkflow,
    AlertRoundWorkflow,
]


def activities(
    sessions: SessionFactory, document_store: Path | None = None, messaging: MessagingActivities | None = None
) -> list[Callable[..., Any]]:
    """The worker's activities; tests pass `messaging` wired to the SendGrid and Twilio stand-ins."""
    settings = get_settings()
    records = RecordsActivities(sessions)
    store = document_store or settings.document_store_dir
    city = load_city(settings.city_dir / "city.toml")
    letters = NoticeLetterActivities(
        sessions,
        LetterRenderer(store),
        city,
        access_secret=settings.secret_key.get_secret_value().encode(),
        portal_url=owner_portal_url(settings),
        online_payment=settings.stripe_secret_key is not None,
    )
    messaging = messaging or messaging_activities(sessions, settings, store, ZoneInfo(city.timezone))
    staff_alerts = StaffAlertActivities(sessions, messaging, settings.public_base_url)
    return [
        TriageActivities(sessions).read_triage_facts,
        # Still here for cases triaged before the triage-in-one-read patch, whose replay may run them.
        PropertyActivities(sessions).lookup_parcel,
        AssignmentActivities(sessions).choose_officer,
        records.record_transition,
        records.record_event,
        compute_deadline,
        AlertActivities(sessions).compose_digest,
        letters.render_served_notice,
        letters.render_case_letter,
        letters.render_complainant_letters,
        messaging.send_owner_reminder,
        messaging.send_notice_email,
        messaging.send_fine_notice,
        messaging.send_complainant_updates,
        staff_alerts.file_stalled_cases,
        staff_alerts.file_overdue_replies,
        staff_alerts.send_urgent_alerts,
        staff_alerts.send_daily_alert_digests,
    ]


def build_worker(
    client: Client,
    task_queue: str,
    sessions: SessionFactory,
    executor: ThreadPoolExecutor,
    *,
    document_store: Path | None = None,
    messaging: MessagingActivities | None = None,
    max_cached_workflows: int = 1000,
) -> Worker:
    return Worker(
        client,
        task_queue=task_queue,
        workflows=WORKFLOWS,
        workflow_runner=workflow_runner(),
        max_cached_workflows=max_cached_workflows,
        activities=activities(sessions, document_store, messaging),
        activity_executor=executor,
        # Let running activities finish on SIGTERM (rolling deploys), rather than cancel them mid-write.
        graceful_shutdown_timeout=timedelta(seconds=20),
    )


def metrics_runtime(settings: Settings) -> Runtime | None:
    """The SDK's metrics (workflow and activity task latencies, schedule-to-start, cache sizes) for Prometheus."""
    if settings.temporal_metrics_address is None:
        return None
    return Runtime(telemetry=TelemetryConfig(metrics=PrometheusConfig(bind_address=settings.temporal_metrics_address)))


async def _connect_with_retry(settings: Settings) -> Client:
    delay = 1.0
    runtime = metrics_runtime(settings)
    while True:
        try:
            return await connect(settings, runtime=runtime)
        except RuntimeError as exc:
            log.warning("waiting for Temporal at %s (%s)", settings.temporal_address, exc)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 15.0)


async def run(settings: Settings, stop: asyncio.Event) -> None:
    engine = make_engine(settings.database_url)
    sessions = session_factory(engine)
    policy = load_policy(settings.policy_file)
    client = await _connect_with_retry(settings)
    # After a restore of the records database alone, new cases must not take numbers Temporal already holds.
    await number_past_temporal_at_start_up(client, sessions, policy)
    await ensure_digest_schedules(client, settings.temporal_task_queue, policy.calendar.timezone)
    await ensure_alert_round_schedule(client, settings.temporal_task_queue, policy)
    reconciler = Reconciler(
        client,
        settings.temporal_task_queue,
        sessions,
        policy,
        settings.reconcile_interval_seconds,
        settings.reconcile_retry_seconds,
    )
    with ThreadPoolExecutor(max_workers=16) as executor:
        worker = build_worker(
            client,
            settings.temporal_task_queue,
            sessions,
            executor,
            max_cached_workflows=settings.temporal_max_cached_workflows,
        )
        async with worker:
            log.info("worker on task queue %s at %s", settings.temporal_task_queue, settings.temporal_address)
            await asyncio.gather(reconciler.run(stop), stop.wait())
        # The PDFs of the last letters, made after their activities returned; any left are made when read.
        await asyncio.to_thread(settle_pdfs, 20)
    engine.dispose()


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    stop = asyncio.Event()

    async def _main() -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await run(get_settings(), stop)

    asyncio.run(_main())


if __name__ == "__main__":
    main()

"""Prepares a Temporal server for Abate: its namespace and Abate's search attributes.

A real server, unlike the dev server, creates no namespace by itself. `python -m workers.temporal_namespace` is
docker-compose.yml's `temporal-namespace` job; `scripts/cluster` calls `prepare_namespace`. Both may run again
on every start: what exists is kept.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import timedelta

from google.protobuf.duration_pb2 import Duration
from temporalio.api.workflowservice.v1 import RegisterNamespaceRequest
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from config.settings import Settings, get_settings
from services.temporal_client import connect, register_search_attributes

log = logging.getLogger("abate.temporal_namespace")

# How long Temporal keeps a closed case's history (the records database keeps the case itself for good).
RETENTION = timedelta(days=30)


async def _connected(settings: Settings, deadline: float) -> Client:
    while True:
        try:
            return await connect(settings)
        except RuntimeError:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.5)


async def prepare_namespace(settings: Settings, *, within: float = 120.0) -> list[str]:
    """Registers the namespace when it is missing, then the search attributes it lacks; returns those added.

    Waits for the server (it may still be starting), and for a new namespace to reach every frontend's cache."""
    deadline = time.monotonic() + within
    client = await _connected(settings, deadline)
    try:
        await client.workflow_service.register_namespace(
            RegisterNamespaceRequest(
                namespace=settings.temporal_namespace,
                workflow_execution_retention_period=Duration(seconds=int(RETENTION.total_seconds())),
            )
        )
        log.info("registered namespace %s", settings.temporal_namespace)
    except RPCError as error:
        if error.status is not RPCStatusCode.ALREADY_EXISTS:
            raise
    while True:
        try:
            return await register_search_attributes(client)
        except RPCError as error:
            if error.status is not RPCStatusCode.NOT_FOUND or time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.5)


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    added = asyncio.run(prepare_namespace(get_settings()))
    log.info("search attributes added: %s", ", ".join(added) or "none, all were there")


if __name__ == "__main__":
    main()

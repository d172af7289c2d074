"""Builds the app: `uvicorn api.main:app`. The Temporal client connects lazily so the API serves while Temporal is down."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI
from sqlalchemy.exc import SQLAlchemyError
from temporalio.service import RPCError

from api import console, database_outage, open311_format
from api.body_limit import BodyLimitMiddleware
from api.console import pages
from api.routes import (
    actions,
    auth,
    cases,
    complaints,
    documents,
    health,
    inbound,
    open311,
    open311_keys,
    owner_portal,
    portal,
    print_queue,
    reference,
    stripe_webhook,
    webhooks,
)
from api.text_input import refuse_nul_characters
from api.visitors import VisitMiddleware
from config.settings import Settings, get_settings
from domain.city import load_city
from domain.policy import load_policy
from records.db import make_engine, session_factory
from services.context import AppContext
from services.launcher import number_past_temporal_at_start_up
from services.temporal_client import connect

log = logging.getLogger(__name__)


async def _number_past_temporal(context: AppContext) -> None:
    """Waits no longer than a case's start would, so the API serves while Temporal is down; the worker checks again
    as it starts, and a case that still gets a taken number is refused loudly."""
    try:
        await asyncio.wait_for(
            number_past_temporal_at_start_up(context.temporal, context.sessions, context.policy),
            timeout=context.settings.temporal_start_timeout_seconds,
        )
    except (RPCError, RuntimeError, TimeoutError, SQLAlchemyError) as exc:
        log.warning("case numbers not checked against Temporal (%s); the worker checks them as it starts", exc)


def create_app(settings: Settings | None = None) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        current = settings or get_settings()
        engine = make_engine(current.database_url)
        context = AppContext(
            settings=current,
            engine=engine,
            sessions=session_factory(engine),
            policy=load_policy(current.policy_file),
            city=load_city(current.city_dir / "city.toml"),
            temporal=await connect(current, lazy=True),
        )
        app.state.context = context
        await _number_past_temporal(context)
        yield
        engine.dispose()

    app = FastAPI(
        title="Abate",
        summary="Code-enforcement case management: every case a durable Temporal workflow.",
        version="0.1.0",
        lifespan=lifespan,
        dependencies=[Depends(refuse_nul_characters)],
    )
    for router in (
        health.router,
        auth.router,
        reference.router,
        complaints.router,
        cases.router,
        actions.router,
        webhooks.router,
        inbound.router,
        stripe_webhook.router,
        console.router,
        open311.router,
        open311_keys.router,
        portal.router,
        owner_portal.router,
        documents.router,
        print_queue.router,
    ):
        app.include_router(router)
    app.add_middleware(BodyLimitMiddleware, limits=(open311.BODY_LIMIT, portal.BODY_LIMIT))
    app.add_middleware(VisitMiddleware)
    pages.install(app)
    portal.install(app)
    open311_format.install(app)
    database_outage.install(app)
    return app


app = create_app()

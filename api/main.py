"""Builds the app: `uvicorn api.main:app`. The Temporal client connects lazily so the API serves while Temporal is down."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

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
    open311,
    open311_keys,
    owner_portal,
    portal,
    print_queue,
    reference,
    webhooks,
)
from config.settings import Settings, get_settings
from domain.city import load_city
from domain.policy import load_policy
from records.db import make_engine, session_factory
from services.context import AppContext
from services.temporal_client import connect


def create_app(settings: Settings | None = None) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        current = settings or get_settings()
        engine = make_engine(current.database_url)
        app.state.context = AppContext(
            settings=current,
            engine=engine,
            sessions=session_factory(engine),
            policy=load_policy(current.policy_file),
            city=load_city(current.city_dir / "city.toml"),
            temporal=await connect(current, lazy=True),
        )
        yield
        engine.dispose()

    app = FastAPI(
        title="Abate",
        summary="Code-enforcement case management: every case a durable Temporal workflow.",
        version="0.1.0",
        lifespan=lifespan,
    )
    for router in (
        health.router,
        auth.router,
        reference.router,
        complaints.router,
        cases.router,
        actions.router,
        webhooks.router,
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
    pages.install(app)
    portal.install(app)
    open311_format.install(app)
    database_outage.install(app)
    return app


app = create_app()

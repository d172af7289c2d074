"""`/healthz`: how each part the API needs is, so a load balancer, compose or an operator can tell which is down."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Response, status
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from api.deps import ContextDep
from services.context import AppContext
from services.temporal_client import temporal_answers

router = APIRouter(tags=["health"])

# Long enough for a restarted part to come back, short enough that a client retrying never waits on a part that is up.
RETRY_AFTER_SECONDS = 5


def _database_answers(context: AppContext) -> bool:
    try:
        with context.sessions() as session:
            session.exec(text("SELECT 1"))  # type: ignore[call-overload]
    except SQLAlchemyError:
        return False
    return True


@router.get(
    "/healthz",
    responses={503: {"description": "A part the API needs is down; the body names it, `Retry-After` says when"}},
)
async def health(context: ContextDep, response: Response) -> dict[str, str]:
    """Both parts are needed: without the database nothing is stored, without Temporal no staff action is taken."""
    database, temporal = await asyncio.gather(
        asyncio.to_thread(_database_answers, context), temporal_answers(context.temporal)
    )
    parts = {"database": "ok" if database else "down", "temporal": "ok" if temporal else "down"}
    healthy = database and temporal
    if not healthy:
        response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return {"status": "ok" if healthy else "down", **parts}

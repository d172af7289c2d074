"""While the records database is out of reach (restarting, failing over), every request answers 503 with
`Retry-After` instead of a server error. Nothing is half-stored: each request writes in one transaction, which the
database rolls back. The engine checks a pooled connection before using it (`pool_pre_ping`), so the API recovers
by itself once the database is back."""

from __future__ import annotations

from fastapi import FastAPI, Request, status
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError

RETRY_AFTER_SECONDS = 5


async def _unavailable(request: Request, exc: Exception) -> JSONResponse:
    return JSONResponse(
        {"detail": "The records database is unavailable; try again shortly."},
        status_code=status.HTTP_503_SERVICE_UNAVAILABLE,
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


def install(app: FastAPI) -> None:
    app.add_exception_handler(OperationalError, _unavailable)

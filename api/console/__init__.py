"""The staff console: server-rendered pages; every action on a case becomes a workflow update or signal."""

from fastapi import APIRouter

from api.console import admin, case_list, dashboard, hearings, home, outbox, supervisor

router = APIRouter(include_in_schema=False)
for module in (home, dashboard, case_list, hearings, supervisor, outbox, admin):
    router.include_router(module.router)

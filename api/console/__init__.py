"""The staff console: server-rendered pages; every action on a case becomes a workflow update or signal."""

from fastapi import APIRouter

from api.console import case_page, home, inspection, intake, my_day

router = APIRouter(include_in_schema=False)
for module in (home, intake, case_page, inspection, my_day):
    router.include_router(module.router)

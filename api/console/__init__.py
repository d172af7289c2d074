"""The staff console: server-rendered pages; every action on a case becomes a workflow update or signal."""

from fastapi import APIRouter

from api.console import (
    admin,
    case_list,
    case_map,
    case_page,
    correspondence,
    council_report,
    dashboard,
    finance,
    hearings,
    home,
    inspection,
    intake,
    legacy_import,
    my_day,
    notifications,
    outbox,
    reports,
    supervisor,
)

router = APIRouter(include_in_schema=False)
for module in (
    home,
    dashboard,
    case_list,
    intake,
    case_page,
    inspection,
    my_day,
    hearings,
    supervisor,
    outbox,
    case_map,  # these two before reports, whose /reports/{slug} would take /reports/map
    council_report,
    reports,
    finance,
    notifications,
    correspondence,
    admin,
    legacy_import,
):
    router.include_router(module.router)

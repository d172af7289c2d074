"""The staff console: server-rendered pages; every action on a case becomes a workflow update or signal."""

from fastapi import APIRouter

from api.console import home

router = APIRouter(include_in_schema=False)
for module in (home,):
    router.include_router(module.router)

"""The hot-spot map at `/reports/map`: the cases at their properties, clustered, with the reports' filter in the URL.

The page carries the filter and the count; the points come from `/reports/map/cases.geojson` with the same filter,
and Leaflet (served by the app) draws them over the city's own tiles, or on a plain background when it has none.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from api.console.pages import render
from api.console.session import staff
from api.deps import ContextDep, SessionDep
from domain.access import READ_REPORTS
from domain.hot_spots import feature_collection
from records.report_queries import MapFilter
from records.tables import User
from services.reports import filter_choices, hot_spot_map

router = APIRouter()
Reader = Annotated[User, staff(READ_REPORTS)]
Wanted = Annotated[MapFilter, Query()]


@router.get("/reports/map", response_class=HTMLResponse)
def case_map(request: Request, context: ContextDep, session: SessionDep, user: Reader, wanted: Wanted) -> Response:
    period, spots = hot_spot_map(session, wanted, datetime.now(UTC), context.city.timezone)
    query = wanted.query_string()
    return render(
        request,
        "console/case_map.html",
        user,
        {
            "f": wanted,
            "period": period,
            "count": len(spots),
            "query": query,
            "points_url": f"/reports/map/cases.geojson?{query}",
            "tile_url": context.settings.map_tile_url,
            "tile_attribution": context.settings.map_tile_attribution,
            **filter_choices(session, context.policy),
        },
    )


@router.get("/reports/map/cases.geojson")
def case_points(context: ContextDep, session: SessionDep, user: Reader, wanted: Wanted) -> Response:
    _period, spots = hot_spot_map(session, wanted, datetime.now(UTC), context.city.timezone)
    return JSONResponse(feature_collection(spots, context.policy.violation_title), media_type="application/geo+json")

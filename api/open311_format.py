"""GeoReport v2 on the wire: JSON or XML by the URL's extension, errors as a list of `{code, description}`,
and parameters where an empty value is a missing one (as the specification asks).
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Coroutine
from typing import Any, Literal

from fastapi import FastAPI, Request, Response
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from pydantic import BaseModel
from starlette.datastructures import FormData, MultiDict, QueryParams
from starlette.exceptions import HTTPException

from api.rate_limit import OPEN311_POSTS, OPEN311_READS, limit

PREFIX = "/open311/v2"

FORMATS = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}
# The `{fmt}` of every route, so that the OpenAPI document lists the two formats the specification has.
Format = Literal["json", "xml"]
# What a list is called in XML, and what each of its items is called (the specification's element names).
XML_ITEMS = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "endpoints": "endpoint",
    "formats": "format",
    "attributes": "attribute",
    "values": "value",
}


# Characters XML 1.0 cannot carry at all (not even escaped); an app's echoed input may hold them.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


class Open311Problem(BaseModel):
    """One item of the specification's list of errors."""

    code: int
    description: str


def open311_refusal(status: int, description: str) -> dict[int | str, dict[str, Any]]:
    """An answer an Open311 route gives, for the OpenAPI document: in the specification's shape, not FastAPI's."""
    return {status: {"model": list[Open311Problem], "description": description}}


class Open311Error(Exception):
    def __init__(self, status: int, *descriptions: str) -> None:
        super().__init__("; ".join(descriptions))
        self.status = status
        self.descriptions = descriptions


def response_format(request: Request) -> str:
    """The route's `{fmt}`; where no route matched (an unknown path, a wrong method), the path's extension."""
    fmt = str(request.path_params.get("fmt") or request.url.path.rpartition(".")[2]).lower()
    return fmt if fmt in FORMATS else "json"


def _xml(parent: ET.Element, value: Any) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            _xml(ET.SubElement(parent, key), item)
    elif isinstance(value, list):
        for item in value:
            _xml(ET.SubElement(parent, XML_ITEMS[parent.tag]), item)
    elif isinstance(value, bool):
        parent.text = "true" if value else "false"
    elif value is not None:
        parent.text = _NOT_XML.sub("\ufffd", str(value))


def render(fmt: str, root: str, body: Any, status: int = 200) -> Response:
    """`root` names the XML document element; JSON is the body as it is."""
    if fmt == "xml":
        element = ET.Element(root)
        _xml(element, body)
        text = '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(element, encoding="unicode")
        return Response(text, status_code=status, media_type=FORMATS["xml"])
    return Response(json.dumps(body, ensure_ascii=False), status_code=status, media_type=FORMATS["json"])


def error_response(fmt: str, status: int, descriptions: tuple[str, ...] | list[str]) -> Response:
    return render(fmt, "errors", [{"code": status, "description": d} for d in descriptions], status)


def http_error(fmt: str, exc: HTTPException) -> Response:
    refused = error_response(fmt, exc.status_code, [str(exc.detail)])
    refused.headers.update(exc.headers or {})
    return refused


# What the router says when no Open311 route answers, in words for the app's developer.
_NO_ROUTE = {
    404: "no such Open311 resource; discovery.json lists this endpoint's resources",
    405: "this Open311 resource does not answer that HTTP method",
}


def install(app: FastAPI) -> None:
    """An unknown path or a wrong method under /open311/v2/ is answered in the specification's error shape too
    (the router refuses those before any Open311 route runs); every other path keeps FastAPI's answer."""

    async def refused(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        if request.url.path == PREFIX or request.url.path.startswith(PREFIX + "/"):
            described = HTTPException(exc.status_code, _NO_ROUTE.get(exc.status_code, str(exc.detail)), exc.headers)
            return http_error(response_format(request), described)
        return await http_exception_handler(request, exc)

    app.add_exception_handler(HTTPException, refused)


class Open311Route(APIRoute):
    """Answers every failure of an Open311 route in the specification's error shape and the asked-for format."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def answer(request: Request) -> Response:
            fmt = response_format(request)
            try:
                limit(request, OPEN311_POSTS if request.method == "POST" else OPEN311_READS)
                if request.path_params.get("fmt") not in FORMATS:
                    raise Open311Error(404, "the format must be .json or .xml")
                return await handler(request)
            except HTTPException as exc:  # the rate limit, the size limit, a form that cannot be parsed
                return http_error(fmt, exc)
            except Open311Error as exc:
                return error_response(fmt, exc.status, exc.descriptions)
            except RequestValidationError as exc:
                reasons = [f"{'.'.join(str(p) for p in e['loc'][1:])}: {e['msg']}" for e in exc.errors()]
                return error_response(fmt, 400, reasons)

        return answer


class Params:
    """Query string and form body together; a blank value is no value."""

    def __init__(self, query: QueryParams, form: FormData | None = None) -> None:
        values: MultiDict = MultiDict(list(query.multi_items()))
        if form is not None:
            values = MultiDict([*values.multi_items(), *((k, v) for k, v in form.multi_items() if isinstance(v, str))])
        self._values = values

    def get(self, name: str) -> str | None:
        found = [v.strip() for v in self._values.getlist(name) if v.strip()]
        return found[-1] if found else None

    def values(self, name: str) -> list[str]:
        return [v for v in self._values.getlist(name) if v.strip()]

    def prefixed(self, prefix: str) -> dict[str, list[str]]:
        """`attribute[CODE]` and `attribute[CODE][]`, by code, with their values."""
        found: dict[str, list[str]] = {}
        for key, value in self._values.multi_items():
            if key.startswith(prefix + "[") and key.endswith("]"):
                code = key[len(prefix) + 1 :].removesuffix("[]").removesuffix("]")
                found.setdefault(code, []).append(value)
        return found

"""Open311 GeoReport v2 conformance: our answers validate against the community's JSON schemas, XML mirrors
JSON, errors have the specification's shape, and requests shaped like real cities' are accepted.

Fixtures: `../shared/open311/schema/` (GeoReport v2 schemas) and `../shared/open311/examples/` (Bloomington,
Chicago, Toronto, San Francisco).
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from jsonschema import Draft7Validator
from lxml import etree
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7
from sqlmodel import col, func, select, update
from temporalio.testing import WorkflowEnvironment

from api.open311_format import XML_ITEMS
from api.rate_limit import OPEN311_READS
from api.routes.open311 import BODY_LIMIT
from config.settings import CONFIG_DIR, PROJECT_ROOT
from domain.policy import Policy, PolicyError, parse_policy
from records.db import make_engine, session_factory, transaction
from records.tables import Case, Complaint
from tests.conftest import Api, make_settings, open_api
from tests.helpers import form_token, sign_in
from tests.portal_flow import Endless, client_at

SHARED = PROJECT_ROOT.parent / "shared" / "open311"
BASE = "/open311/v2"
MAPLE = "142 Maple Dr"


def _schema_validators() -> dict[str, Draft7Validator]:
    schemas = {path.name: json.loads(path.read_text()) for path in (SHARED / "schema").glob("*.json")}
    registry: Registry = Registry().with_resources(
        (name, Resource.from_contents(schema, default_specification=DRAFT7)) for name, schema in schemas.items()
    )
    return {name: Draft7Validator(schema, registry=registry) for name, schema in schemas.items()}


SCHEMAS = _schema_validators()


def valid(schema: str, body: Any) -> Any:
    errors = sorted(SCHEMAS[schema].iter_errors(body), key=str)
    assert not errors, f"{schema}: {[e.message for e in errors][:5]}"
    return body


def from_xml(text: bytes) -> Any:
    """The XML document as JSON would say it: lists where the specification lists, every value a string."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    root = etree.fromstring(text, parser)

    def convert(element: Any) -> Any:
        children = list(element)
        if element.tag in XML_ITEMS:
            return [convert(child) for child in children] or None
        if children:
            return {child.tag: convert(child) for child in children}
        return element.text

    return convert(root)


def as_xml_says(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: as_xml_says(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_xml_says(v) for v in value] or None
    if isinstance(value, bool):
        return "true" if value else "false"
    return None if value is None else str(value)


SWAGGER = json.loads((SHARED / "schema" / "swagger.json").read_text())["definitions"]


def valid_list_of(definition: str, body: Any) -> list[dict[str, Any]]:
    """A list of the specification's `definition` objects (swagger.json): each with its id and token, and
    nothing the definition does not name."""
    item = {**SWAGGER[definition], "required": ["service_request_id", "token"], "additionalProperties": False}
    schema = {"type": "array", "minItems": 1, "items": item}
    errors = sorted(Draft7Validator(schema).iter_errors(body), key=str)
    assert not errors, f"{definition}: {[e.message for e in errors][:5]}"
    return list(body)


async def both(api: Api, path: str, **kwargs: Any) -> tuple[httpx.Response, httpx.Response]:
    """The same GET in JSON and in XML; the XML must say exactly what the JSON says."""
    as_json = await api.http.get(f"{BASE}/{path}.json", **kwargs)
    as_xml = await api.http.get(f"{BASE}/{path}.xml", **kwargs)
    assert as_json.status_code == as_xml.status_code, (as_json.text, as_xml.text)
    assert as_xml.headers["content-type"].startswith("text/xml")
    assert from_xml(as_xml.content) == as_xml_says(as_json.json())
    return as_json, as_xml


async def issue_key(api: Api, name: str = "Riverton 311 app") -> str:
    answer = await api.post("/api/v1/admin/open311-keys", "admin", json={"name": name})
    assert answer.status_code == 201, answer.text
    return str(answer.json()["key"])


def grass(key: str, **fields: str) -> dict[str, str]:
    return {"api_key": key, "service_code": "PS-GRASS", "address_string": MAPLE, "attribute[HEIGHT]": "KNEE", **fields}


async def post(api: Api, body: Mapping[str, str | list[str]], fmt: str = "json") -> httpx.Response:
    return await api.http.post(f"{BASE}/requests.{fmt}", data=body)


def assert_aware(*stamps: str | None) -> None:
    for stamp in stamps:
        if stamp is not None:
            assert datetime.fromisoformat(stamp).tzinfo is not None, stamp


# --- Services -----------------------------------------------------------------------------------------


async def test_services_list_every_violation_type_with_its_group_and_questions(api: Api) -> None:
    as_json, _ = await both(api, "services")
    services = valid("services.json", as_json.json())
    codes = [s["service_code"] for s in services]
    assert codes[:3] == ["PS-GRASS", "PS-REFUSE", "PS-EXTERIOR"] and len(codes) == 12
    grass_service = services[0]
    assert grass_service["service_name"] == "Long grass and weeds"
    assert grass_service["group"] == "Property standards" and grass_service["metadata"] is True
    assert {s["group"] for s in services} >= {"Zoning", "Building", "Pools", "Vehicles"}
    # Every field a real city's service list (and the specification's example) has, ours has too.
    examples = SHARED / "examples"
    for published in (
        json.loads((examples / "bloomington_services.json").read_text()),
        json.loads((examples / "spec_example_service_list.json").read_text()),
        from_xml((examples / "san_francisco_services.xml").read_bytes()),
        from_xml((examples / "services_giessen.xml").read_bytes()),
    ):
        assert set().union(*map(set, published)) <= set(grass_service)

    for service in services:
        definition, _ = await both(api, f"services/{service['service_code']}")
        body = valid("service-definition.json", definition.json())
        assert body["service_code"] == service["service_code"]
        assert bool(body["attributes"]) is service["metadata"]
        assert [a["order"] for a in body["attributes"]] == list(range(1, len(body["attributes"]) + 1))
    height = (await api.http.get(f"{BASE}/services/PS-GRASS.json")).json()["attributes"][0]
    assert height["code"] == "HEIGHT" and height["required"] is True and height["datatype"] == "singlevaluelist"
    assert [v["key"] for v in height["values"]] == ["ANKLE", "KNEE", "WAIST"]


async def test_discovery_names_this_endpoint_and_its_formats(api: Api) -> None:
    as_json, as_xml = await both(api, "discovery")
    found = as_json.json()
    [endpoint] = found["endpoints"]
    assert endpoint["url"] == "https://abate.test/open311/v2/"
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert set(endpoint["formats"]) == {"text/xml", "application/json"}
    assert_aware(found["changeset"], endpoint["changeset"])
    assert b"<discovery>" in as_xml.content


# --- Creating requests --------------------------------------------------------------------------------


async def test_a_request_becomes_a_case_and_reads_back_in_both_formats(api: Api) -> None:
    key = await issue_key(api)
    answer = await post(api, grass(key, description="Knee-high grass", media_url="https://img.example/1.jpg"))
    assert answer.status_code == 200, answer.text
    [created] = answer.json()
    case_number = created["service_request_id"]
    assert case_number.startswith("CE-") and created["token"]
    assert "business days" in created["service_notice"]

    token, _ = await both(api, f"tokens/{created['token']}")
    assert token.json() == [{"service_request_id": case_number, "token": created["token"]}]

    single, _ = await both(api, f"requests/{case_number}")
    [request] = valid("requests.json", single.json())
    valid("request.json", request)
    assert request["status"] == "open" and request["service_code"] == "PS-GRASS"
    assert request["address"] == "142 Maple Dr, Riverton, IA" and request["address_id"]
    assert request["media_url"] == "https://img.example/1.jpg" and request["status_notes"]
    assert_aware(request["requested_datetime"], request["updated_datetime"], request["expected_datetime"])

    listed, _ = await both(api, "requests")
    assert case_number in [r["service_request_id"] for r in valid("requests.json", listed.json())]

    # The XML POST answers the same shape.
    xml = await post(api, grass(key, address_string="212 W 14th St"), fmt="xml")
    assert xml.status_code == 200
    [created_xml] = from_xml(xml.content)
    assert created_xml["service_request_id"].startswith("CE-") and created_xml["token"]


async def test_requests_shaped_like_real_cities_are_accepted(api: Api) -> None:
    """POST bodies built from Bloomington's, Chicago's and Toronto's published requests: their field names and
    value styles (numbers as text, empty strings for missing values, CRLF descriptions, upper-case streets), with
    the location moved to Riverton."""
    key = await issue_key(api)
    parcels = (await api.get("/api/v1/parcels", "clerk", params={"q": "142 Maple"})).json()
    lat, lon = parcels[0]["lat"], parcels[0]["lon"]
    examples = SHARED / "examples"
    bloomington = json.loads((examples / "bloomington_requests.json").read_text())
    chicago = json.loads((examples / "chicago_service_requests_2014.json").read_text())
    toronto = from_xml((examples / "toronto_requests_many.xml").read_bytes())

    def body(example: dict[str, Any], address: str | None, code: str, answers: dict[str, str]) -> dict[str, str]:
        fields = {
            "description": example.get("description"),
            "media_url": example.get("media_url"),
            "address_string": address if example.get("address") else None,
            "address_id": None,
            "lat": None,
            "long": None,
        }
        if example.get("lat") not in (None, 0, "0"):
            fields["lat"], fields["long"] = str(lat), str(lon)
        elif example.get("lat") is not None:
            fields["lat"], fields["long"] = str(example["lat"]), str(example["long"])  # Bloomington's 0, 0
        sent = {k: "" if v is None else str(v) for k, v in fields.items()}
        return {"api_key": key, "service_code": code, "jurisdiction_id": "", **sent, **answers}

    accepted = []
    for example in bloomington[:8]:
        answer = await post(api, body(example, "142 Maple DR", "PS-REFUSE", {"attribute[WHAT]": "OTHER"}))
        if example.get("address") or example.get("lat"):
            assert answer.status_code == 200, (example, answer.text)
            accepted.append(answer.json()[0]["service_request_id"])
        else:  # Bloomington's first request has no location at all: refused, and told why
            assert answer.status_code == 400
            assert "a location is required" in answer.json()[0]["description"]
    for example in chicago:
        answer = await post(
            api, body(example, "142 MAPLE DR, RIVERTON, IA, 50310", "BD-NOPERMIT", {"attribute[WORK]": "NEW"})
        )
        assert answer.status_code == 200, answer.text
        accepted.append(answer.json()[0]["service_request_id"])
    for example in toronto:  # an intersection, not a property: the point decides
        answer = await post(
            api, body(example, "Maple Dr / Oak Ave, Riverton", "ZN-USE", {"attribute[ACTIVITY]": "Car repairs"})
        )
        assert answer.status_code == 200, answer.text
        accepted.append(answer.json()[0]["service_request_id"])
    # Same property and service: later reports joined the first case instead of opening new ones.
    assert len(set(accepted)) == 3 and len(accepted) > 3

    # Every field a real city's request has, ours has too.
    ours = (await api.http.get(f"{BASE}/requests/{accepted[0]}.json")).json()[0]
    for published in (bloomington, chicago, toronto):
        assert set().union(*map(set, published)) <= set(ours)


async def test_requests_shaped_like_san_franciscos_are_accepted(api: Api) -> None:
    """San Francisco's published requests, with Riverton in place of the city and its points moved to Maple Drive:
    padded addresses, a street address run into the city's name, intersections, empty elements, and 0.0, 0.0
    for no point at all. Toronto's single request names its place by `address_id` too."""
    key = await issue_key(api)
    [maple] = (await api.get("/api/v1/parcels", "clerk", params={"q": "142 Maple"})).json()
    examples = SHARED / "examples"
    san_francisco = from_xml((examples / "san_francisco_requests.xml").read_bytes())
    [toronto] = from_xml((examples / "toronto_or_spec_requests_single.xml").read_bytes())

    def body(example: dict[str, Any], **fields: str) -> dict[str, str]:
        address = (example["address"] or "").replace("SAN FRANCISCO", "RIVERTON").replace(", CA", ", IA")
        no_point = float(example["lat"]) == 0 and float(example["long"]) == 0
        point = (example["lat"], example["long"]) if no_point else (str(maple["lat"]), str(maple["lon"]))
        sent = {
            "description": example["description"] or "",
            "address_string": address,
            "address_id": example["address_id"] or "",
            "zipcode": example["zipcode"] or "",
            "lat": point[0],
            "long": point[1],
            "media_url": example.get("media_url") or "",
        }
        return {"api_key": key, "service_code": "PS-GRASS", "attribute[HEIGHT]": "KNEE", **sent, **fields}

    accepted: list[dict[str, Any]] = []
    refused: list[httpx.Response] = []
    for example in san_francisco:
        answer = await post(api, body(example))
        if float(example["lat"]) == 0:  # "     SAN FRANCISCO , CA " and no point: nowhere in particular
            assert "is not an address in the City of Riverton" in _errors(answer, 400)[0]
            refused.append(answer)
        else:
            assert answer.status_code == 200, (example, answer.text)
            accepted.append(valid_list_of("RequestResponse", answer.json())[0])
    assert accepted and refused
    # 0.0, 0.0 is no point: a padded address on the roll decides, and no point at sea is kept.
    padded = body(san_francisco[0], address_string="     142 MAPLE DR , RIVERTON , IA ")
    accepted.append(valid_list_of("RequestResponse", (await post(api, padded)).json())[0])
    by_id = body(toronto, address_id=maple["parcel_id"], address_string=toronto["address"])
    accepted.append(valid_list_of("RequestResponse", from_xml((await post(api, by_id, "xml")).content))[0])
    assert len({a["service_request_id"] for a in accepted}) == 1  # the same property and service: one case

    with session_factory(make_engine(api.settings.database_url))() as session:
        complaints = session.exec(
            select(Complaint)
            .where(Complaint.case_number == accepted[0]["service_request_id"])
            .order_by(col(Complaint.id))
        ).all()
    assert all(c.parcel_id == maple["parcel_id"] for c in complaints)
    assert (complaints[-2].lat, complaints[-2].lon) == (None, None)
    assert complaints[-2].location_text == "142 MAPLE DR , RIVERTON , IA"  # as sent, its padding trimmed

    for created in (accepted[0], accepted[-1]):
        as_json, _ = await both(api, f"tokens/{created['token']}")
        assert valid_list_of("TokenResponse", as_json.json()) == [
            {"service_request_id": created["service_request_id"], "token": created["token"]}
        ]


async def test_a_request_names_its_property_by_address_id(api: Api) -> None:
    key = await issue_key(api)
    [maple] = (await api.get("/api/v1/parcels", "clerk", params={"q": "142 Maple"})).json()
    for fmt in ("json", "xml"):
        unknown = await post(api, grass(key, address_string="", address_id="R-99-9999-999"), fmt)
        assert "address_id 'R-99-9999-999' is not a property of the City of Riverton" in _errors(unknown, 400)[0]
    answer = await post(api, grass(key, address_string="", address_id=maple["parcel_id"]))
    [created] = valid_list_of("RequestResponse", answer.json())
    [request] = valid(
        "requests.json", (await api.http.get(f"{BASE}/requests/{created['service_request_id']}.json")).json()
    )
    assert request["address_id"] == maple["parcel_id"] and request["address"].startswith("142 Maple Dr")


async def test_a_service_without_questions_has_no_metadata(
    sqlite_url: str, temporal_dev: WorkflowEnvironment, tmp_path: Path
) -> None:
    """A city's pack may ask nothing about a violation type (here the sign's question is taken out)."""
    text = (CONFIG_DIR / "policy.toml").read_text()
    start = text.index('[[violation_types.questions]]\ncode = "WHERE"')
    policy_file = tmp_path / "policy.toml"
    policy_file.write_text(text[:start] + text[text.index('[[violation_types]]\ncode = "NS-CONSTRUCTION"') :])
    settings = make_settings(sqlite_url, temporal_dev.client.service_client.config.target_host, policy_file=policy_file)
    async for api in open_api(settings):
        services = valid("services.json", (await api.http.get(f"{BASE}/services.json")).json())
        sign = next(s for s in services if s["service_code"] == "SG-ILLEGAL")
        assert sign["metadata"] is False
        assert all(s["metadata"] is True for s in services if s is not sign)
        definition, _ = await both(api, "services/SG-ILLEGAL")
        assert valid("service-definition.json", definition.json())["attributes"] == []
        key = await issue_key(api)
        sign_report = {"api_key": key, "service_code": "SG-ILLEGAL", "address_string": MAPLE}
        asked = await post(api, {**sign_report, "attribute[WHERE]": "PROPERTY"})
        assert "attribute[WHERE] is not a question of SG-ILLEGAL (its questions: none)" in _errors(asked, 400)[0]
        valid_list_of("RequestResponse", (await post(api, sign_report)).json())


async def test_an_empty_parameter_is_a_missing_one(api: Api) -> None:
    key = await issue_key(api)
    answer = await post(
        api, grass(key, address_id="", lat="", long="", email="", phone="", **{"attribute[OVER_SIDEWALK]": ""})
    )
    assert answer.status_code == 200, answer.text
    case_number = answer.json()[0]["service_request_id"]
    listed = await api.http.get(
        f"{BASE}/requests.json",
        params={"service_code": "", "status": "", "start_date": "", "end_date": "", "service_request_id": ""},
    )
    assert case_number in [r["service_request_id"] for r in listed.json()]
    required_blank = await post(api, grass(key, **{"attribute[HEIGHT]": ""}))
    assert required_blank.status_code == 400
    assert "attribute[HEIGHT] is required" in required_blank.json()[0]["description"]
    no_key = await post(api, grass(""))
    assert no_key.status_code == 403


# --- Errors -------------------------------------------------------------------------------------------


def _errors(answer: httpx.Response, status: int) -> list[str]:
    assert answer.status_code == status, answer.text
    xml = answer.headers["content-type"].startswith("text/xml")
    found = from_xml(answer.content) if xml else answer.json()
    assert isinstance(found, list) and found
    for error in found:
        assert set(error) == {"code", "description"} and str(error["code"]) == str(status)
    return [e["description"] for e in found]


async def test_each_client_is_rate_limited_with_an_error_in_the_specifications_shape(api: Api) -> None:
    async with client_at(api, "203.0.113.9") as app:
        for _ in range(OPEN311_READS.requests):
            assert (await app.get(f"{BASE}/services.json")).status_code == 200
        for fmt in ("json", "xml"):
            limited = await app.get(f"{BASE}/requests.{fmt}")
            assert "Too many Open311 requests" in _errors(limited, 429)[0]
            assert int(limited.headers["retry-after"]) > 0
    async with client_at(api, "203.0.113.10") as other:
        assert (await other.get(f"{BASE}/services.json")).status_code == 200  # another client is not held up


async def test_errors_have_the_specifications_shape_in_both_formats(api: Api) -> None:
    key = await issue_key(api)
    for fmt in ("json", "xml"):
        assert "api_key is required" in _errors(await post(api, grass("") | {"api_key": ""}, fmt), 403)[0]
        assert "not valid" in _errors(await post(api, grass("o311_forged"), fmt), 403)[0]
        assert "not found" in _errors(await post(api, grass(key, service_code="NOPE"), fmt), 404)[0]
        assert "not found" in _errors(await api.http.get(f"{BASE}/services/NOPE.{fmt}"), 404)[0]
        assert "not found" in _errors(await api.http.get(f"{BASE}/requests/CE-2026-999999.{fmt}"), 404)[0]
        assert "not found" in _errors(await api.http.get(f"{BASE}/tokens/nope.{fmt}"), 404)[0]
        several = _errors(
            await post(
                api,
                grass(key, email="not-an-email", media_url="javascript:alert(1)")
                | {"attribute[HEIGHT]": "SKY", "attribute[COLOR]": "green"},
                fmt,
            ),
            400,
        )
        assert any("'SKY' is not one of ANKLE, KNEE, WAIST" in e for e in several)
        assert any("attribute[COLOR] is not a question of PS-GRASS" in e for e in several)
        assert any(e.startswith("email:") for e in several) and any("media_url" in e for e in several)
        long_device = _errors(await post(api, grass(key, device_id="x" * 201, description="d" * 4001), fmt), 400)
        assert "device_id is longer than 200 characters" in long_device
        assert "description is longer than 4000 characters" in long_device
        # Echoed input with characters XML cannot carry still makes a document that parses.
        echoed = grass(key) | {"attribute[\x01BELL]": "x", "media_url": "https://a\x02b"}
        assert len(_errors(await post(api, echoed, fmt), 400)) == 2
        nowhere = await post(api, grass(key, address_string="", lat="40.0", long="-75.0"), fmt)
        assert "outside the City of Riverton" in _errors(nowhere, 400)[0]
        typo = await post(api, grass(key, address_string="9999 Maple Dr"), fmt)
        assert "did you mean" in _errors(typo, 400)[0]
        half = await post(api, grass(key, address_string="", lat="41.6"), fmt)
        assert "lat and long must be given together" in _errors(half, 400)[0]
        bad_date = await api.http.get(f"{BASE}/requests.{fmt}", params={"start_date": "last tuesday"})
        assert "ISO 8601" in _errors(bad_date, 400)[0]
        bad_status = await api.http.get(f"{BASE}/requests.{fmt}", params={"status": "pending"})
        assert "status must be" in _errors(bad_status, 400)[0]
    assert (await api.http.get(f"{BASE}/services.html")).status_code == 404


def _complaints(api: Api) -> int:
    with session_factory(make_engine(api.settings.database_url))() as session:
        return session.exec(select(func.count()).select_from(Complaint)).one()


async def test_refusals_outside_any_route_have_the_specifications_shape_too(api: Api) -> None:
    key = await issue_key(api)
    before = _complaints(api)
    no_boundary = {"content-type": "multipart/form-data"}
    no_disposition = {"content-type": "multipart/form-data; boundary=b"}
    for fmt in ("json", "xml"):
        broken = await api.http.post(f"{BASE}/requests.{fmt}", content=b"api_key=" + key.encode(), headers=no_boundary)
        assert "boundary" in _errors(broken, 400)[0]
        headless = b"--b\r\nX-Nothing: 1\r\n\r\nvalue\r\n--b--\r\n"
        headless_part = await api.http.post(f"{BASE}/requests.{fmt}", content=headless, headers=no_disposition)
        assert "Content-Disposition" in _errors(headless_part, 400)[0]
        as_json = await api.http.post(f"{BASE}/requests.{fmt}", json=grass(key))
        assert "application/x-www-form-urlencoded" in _errors(as_json, 415)[0]
        assert "no such Open311 resource" in _errors(await api.http.get(f"{BASE}/nothing.{fmt}"), 404)[0]
        assert "no such Open311 resource" in _errors(await api.http.get(f"{BASE}/requests/a/b.{fmt}"), 404)[0]
        deleted = await api.http.delete(f"{BASE}/requests.{fmt}")
        assert "does not answer that HTTP method" in _errors(deleted, 405)[0]
        assert "POST" in deleted.headers["allow"]
        assert _errors(await api.http.put(f"{BASE}/services.{fmt}", data={"a": "b"}), 405)
    assert _errors(await api.http.get(BASE), 404) and _errors(await api.http.get(f"{BASE}/"), 404)
    # Outside the endpoint, FastAPI's own answer is unchanged.
    assert (await api.http.get("/api/v1/nothing")).json() == {"detail": "Not Found"}
    assert _complaints(api) == before


async def test_a_request_larger_than_a_form_is_refused_as_it_arrives(api: Api) -> None:
    key = await issue_key(api)
    before = _complaints(api)
    for fmt in ("json", "xml"):
        body = Endless(grass(key), upto=4 * BODY_LIMIT.max_bytes, chunk=16 * 1024)
        chunked = await api.http.post(f"{BASE}/requests.{fmt}", content=body, headers=body.headers)
        assert "larger than 256 KB" in _errors(chunked, 413)[0]
        assert body.sent <= BODY_LIMIT.max_bytes + body.chunk
        declared = await post(api, grass(key, description="d" * BODY_LIMIT.max_bytes), fmt)
        assert "photos given by media_url" in _errors(declared, 413)[0]
    assert _complaints(api) == before


async def test_a_refused_request_stores_nothing(api: Api) -> None:
    key = await issue_key(api)
    first = (await post(api, grass(key))).json()[0]["service_request_id"]
    await post(api, grass(key, address_string="212 W 14th St", **{"attribute[HEIGHT]": "SKY"}))
    await post(api, grass(key, address_string="9999 Nowhere Rd"))
    after = (await post(api, grass(key, address_string="212 W 14th St"))).json()[0]["service_request_id"]
    assert int(after[-6:]) == int(first[-6:]) + 1


# --- Reading requests: filters and defaults -----------------------------------------------------------


@pytest.fixture
async def any_db_api(database_url: str, temporal_dev: WorkflowEnvironment) -> AsyncIterator[Api]:
    """The API on SQLite and on PostgreSQL: time-zone-aware date filters must agree on both."""
    settings = make_settings(database_url, temporal_dev.client.service_client.config.target_host)
    async for client in open_api(settings):
        yield client


def _backdate(api: Api, case_number: str, opened_at: datetime, closed: bool = False) -> None:
    sessions = session_factory(make_engine(api.settings.database_url))
    values: dict[str, Any] = {"opened_at": opened_at}
    if closed:
        values |= {"closed_at": opened_at + timedelta(days=3), "stage": "closed", "outcome": "unfounded"}
    with transaction(sessions) as session:
        session.execute(update(Case).where(col(Case.case_number) == case_number).values(**values))


async def test_date_status_and_service_filters_with_their_defaults(any_db_api: Api) -> None:
    api = any_db_api
    key = await issue_key(api)
    now = datetime.now(UTC)
    recent = (await post(api, grass(key))).json()[0]["service_request_id"]
    old = (await post(api, grass(key, address_string="212 W 14th St"))).json()[0]["service_request_id"]
    closed = (await post(api, grass(key, address_string="430 W 14th St"))).json()[0]["service_request_id"]
    sign = (
        await post(
            api, {"api_key": key, "service_code": "SG-ILLEGAL", "address_string": MAPLE, "attribute[WHERE]": "PROPERTY"}
        )
    ).json()[0]["service_request_id"]
    _backdate(api, old, now - timedelta(days=120))
    _backdate(api, closed, now - timedelta(days=10), closed=True)

    async def ids(**params: str) -> list[str]:
        answer = await api.http.get(f"{BASE}/requests.json", params=params)
        assert answer.status_code == 200, answer.text
        return [r["service_request_id"] for r in valid("requests.json", answer.json())]

    assert set(await ids()) == {recent, closed, sign}  # the last 90 days by default, newest first
    assert (await ids())[-1] == closed
    assert await ids(status="closed") == [closed]
    assert set(await ids(status="open")) == {recent, sign}
    assert set(await ids(status="open,closed")) == {recent, closed, sign}
    assert await ids(service_code="SG-ILLEGAL") == [sign]
    window = {
        "start_date": (now - timedelta(days=150)).isoformat(),
        "end_date": (now - timedelta(days=100)).isoformat(),
    }
    assert await ids(**window) == [old]
    # A start alone reaches 90 days forward; an end alone 90 days back; local times are the city's.
    assert await ids(start_date=(now - timedelta(days=130)).isoformat(), service_code="PS-GRASS") == [old]
    assert old not in await ids(end_date=now.isoformat())
    assert await ids(end_date=(now - timedelta(days=100)).strftime("%Y-%m-%dT%H:%M:%S")) == [old]
    too_wide = await api.http.get(
        f"{BASE}/requests.json", params={"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"}
    )
    assert "more than 90 days" in _errors(too_wide, 400)[0]
    backwards = await api.http.get(
        f"{BASE}/requests.json", params={"start_date": "2026-06-01T00:00:00Z", "end_date": "2026-05-01T00:00:00Z"}
    )
    assert "before start_date" in _errors(backwards, 400)[0]
    # Ids override every other filter.
    assert set(await ids(service_request_id=f"{old},{closed}", status="open")) == {old, closed}
    [closed_request] = (await api.http.get(f"{BASE}/requests/{closed}.json")).json()
    assert closed_request["status"] == "closed" and closed_request["status_notes"] == "Closed: no violation was found."
    assert datetime.fromisoformat(closed_request["updated_datetime"]) == (now - timedelta(days=7)).replace(
        microsecond=0
    )


async def test_at_most_1000_requests_are_listed(api: Api, sqlite_url: str) -> None:
    sessions = session_factory(make_engine(sqlite_url))
    now = datetime.now(UTC)
    with transaction(sessions) as session:
        session.add_all(
            Case(
                case_number=f"CE-2099-{n:06d}",
                tracking_code=f"BULK{n:06d}",
                violation_code="PS-GRASS",
                parcel_id="R-27-0101-010",
                stage="investigating",
                priority=3,
                category="III",
                opened_at=now - timedelta(minutes=n),
            )
            for n in range(1, 1006)
        )
    listed = (await api.http.get(f"{BASE}/requests.json")).json()
    assert len(listed) == 1000 and listed[0]["service_request_id"] == "CE-2099-000001"


# --- API keys -----------------------------------------------------------------------------------------


async def test_admins_issue_list_and_revoke_keys(api: Api) -> None:
    created = (await api.post("/api/v1/admin/open311-keys", "admin", json={"name": "CitySourced"})).json()
    key = created["key"]
    assert key.startswith("o311_") and len(key) > 30 and key.startswith(created["hint"])
    listed = (await api.get("/api/v1/admin/open311-keys", "admin")).json()
    [row] = [k for k in listed if k["id"] == created["id"]]
    assert row["name"] == "CitySourced" and "key" not in row and row["revoked_at"] is None
    assert key not in json.dumps(listed)  # shown once, never again

    assert (await post(api, grass(key))).status_code == 200
    used = (await api.get("/api/v1/admin/open311-keys", "admin")).json()
    assert next(k for k in used if k["id"] == created["id"])["last_used_at"] is not None

    revoked = await api.post(f"/api/v1/admin/open311-keys/{created['id']}/revoke", "admin")
    assert revoked.status_code == 200 and revoked.json()["revoked_at"] is not None
    assert (await post(api, grass(key))).status_code == 403
    assert (await api.post("/api/v1/admin/open311-keys/99999/revoke", "admin")).status_code == 404

    for role in ("clerk", "supervisor", "officer"):
        assert (await api.get("/api/v1/admin/open311-keys", role)).status_code == 403
        assert (await api.post("/api/v1/admin/open311-keys", role, json={"name": "x app"})).status_code == 403
    assert (await api.http.get("/api/v1/admin/open311-keys")).status_code == 401
    assert (await api.post("/api/v1/admin/open311-keys", "admin", json={"name": ""})).status_code == 422


async def test_admins_manage_keys_from_the_console_page_too(api: Api) -> None:
    assert (await sign_in(api.http, "admin")).status_code == 303
    page = await api.http.get("/admin/open311-keys")
    assert page.status_code == 200 and "No keys issued yet." in page.text
    issued = await api.http.post(
        "/admin/open311-keys", data={"name": "SeeClickFix", "csrf_token": form_token(page.text)}
    )
    key = re.search(r'<code id="new-key">([^<]+)</code>', issued.text)
    assert issued.status_code == 200 and key is not None
    assert (await post(api, grass(key.group(1)))).status_code == 200
    listed = await api.http.get("/admin/open311-keys")
    assert "SeeClickFix" in listed.text and key.group(1) not in listed.text  # shown once, never again
    [revoke_path] = re.findall(r'action="(/admin/open311-keys/\d+/revoke)"', listed.text)
    revoked = await api.http.post(revoke_path, data={"csrf_token": form_token(listed.text)})
    assert revoked.status_code == 303 and "revoked" in (await api.http.get(revoked.headers["location"])).text
    assert (await post(api, grass(key.group(1)))).status_code == 403
    forged = await api.http.post("/admin/open311-keys", data={"name": "Forged app", "csrf_token": "x"})
    assert forged.status_code == 403 and "Forged app" not in (await api.http.get("/admin/open311-keys")).text


def test_the_example_fixtures_are_what_the_schemas_describe() -> None:
    """The schemas are loaded and enforced: the cities' conforming responses pass, San Francisco's do not."""
    examples = SHARED / "examples"
    valid("services.json", json.loads((examples / "bloomington_services.json").read_text()))
    valid("requests.json", json.loads((examples / "chicago_service_requests_2014.json").read_text()))
    san_francisco = from_xml((examples / "san_francisco_requests.xml").read_bytes())
    assert list(SCHEMAS["requests.json"].iter_errors(san_francisco))  # "Open", not "open"


# --- The questions in the policy packs ----------------------------------------------------------------


def test_questions_check_answers_and_the_pack_checks_questions(policy: Policy) -> None:
    grass_type = policy.violation("PS-GRASS")
    vehicle = policy.violation("VH-INOPERABLE")
    noise = policy.violation("NS-CONSTRUCTION")
    assert grass_type and vehicle and noise
    assert all(v.questions and any(q.required for q in v.questions) for v in policy.violation_types)
    height, count, heard = grass_type.questions[0], vehicle.questions[1], noise.questions[0]
    assert height.answer(["KNEE"]) == "KNEE" and count.answer([" 3 "]) == "3"
    assert vehicle.questions[0].answer(["PLATES", "TIRES", "PLATES"]) == ["PLATES", "TIRES"]
    assert heard.answer(["2026-11-20T22:30:00-06:00"]) == "2026-11-20T22:30:00-06:00"
    for question, given, reason in (
        (height, ["SKY"], "'SKY' is not one of"),
        (height, ["KNEE", "WAIST"], "takes one value"),
        (height, [" "], "is required"),
        (count, ["many"], "is not a number"),
        (count, ["NaN"], "is not a number"),
        (heard, ["last night"], "ISO 8601"),
    ):
        with pytest.raises(ValueError, match=reason):
            question.answer(given)

    text = (CONFIG_DIR / "policy.toml").read_text()
    listless = text.replace('kind = "singlevaluelist"', 'kind = "string"', 1)
    with pytest.raises(PolicyError, match="choices are given for list questions, and only for them"):
        parse_policy(listless)
    twice = text.replace('code = "OVER_SIDEWALK"', 'code = "HEIGHT"', 1)
    with pytest.raises(PolicyError, match="question 'HEIGHT' is asked twice"):
        parse_policy(twice)

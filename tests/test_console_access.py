"""Who gets into the console: lockout, deactivation, the admin's forms, and the page-by-role matrix.

These tests run the API against a database only (Temporal unreachable): console pages read records.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta

import pytest
from argon2 import PasswordHasher
from sqlmodel import select

from api.console.session import SESSION_COOKIE
from domain.access import CONSOLE_PAGES, LOCKOUT_FAILURES, LOCKOUT_TIME, Role
from records.db import make_engine, session_factory
from records.tables import Officer, OfficerSpecialty, OfficerZone, User, Zone
from records.users import authenticate
from tests.conftest import Api, make_settings, open_api
from tests.helpers import form_token, sign_in

UNREACHABLE_TEMPORAL = "127.0.0.1:9"
replica_of = asynccontextmanager(open_api)  # one more API process on the same database
REFUSED = "Incorrect username or password, or the account is locked"


@pytest.fixture
async def console(database_url: str) -> AsyncIterator[Api]:
    async for client in open_api(make_settings(database_url, UNREACHABLE_TEMPORAL)):
        yield client


def users(url: str) -> dict[str, User]:
    with session_factory(make_engine(url))() as session:
        return {u.username: u for u in session.exec(select(User))}


async def test_five_failures_lock_the_account_on_every_replica_without_saying_so(database_url: str) -> None:
    settings = make_settings(database_url, UNREACHABLE_TEMPORAL)
    async with replica_of(settings) as first, replica_of(settings) as second:
        for attempt in range(LOCKOUT_FAILURES):
            replica = (first, second)[attempt % 2]  # failures spread over two API replicas still add up
            wrong = await sign_in(replica.http, "officer", "not-the-password")
            assert wrong.status_code == 401 and REFUSED in wrong.text
        right = await sign_in(second.http, "officer", "demo")
        assert right.status_code == 401 and REFUSED in right.text, "the right password must not open a locked account"
        token = await second.http.post("/api/v1/auth/token", data={"username": "officer", "password": "demo"})
        assert token.status_code == 401, "the API's tokens obey the same lock"
        unknown = await sign_in(first.http, "nobody-by-this-name", "demo")
        assert unknown.status_code == 401 and unknown.text.count(REFUSED) == 1
        assert users(database_url)["officer"].locked_until is not None

        # The lock lapses after LOCKOUT_TIME; the first good sign-in after it clears the count.
        later = datetime.now(UTC) + LOCKOUT_TIME + timedelta(seconds=1)
        with session_factory(make_engine(database_url))() as session:
            assert authenticate(session, "officer", "demo", now=later) is not None
        assert users(database_url)["officer"].locked_until is None
        assert (await sign_in(first.http, "officer", "demo")).status_code == 303


async def test_failures_spread_out_in_time_do_not_lock(sqlite_url: str) -> None:
    with session_factory(make_engine(sqlite_url))() as session:
        start = datetime.now(UTC)
        for n in range(LOCKOUT_FAILURES * 2):
            assert authenticate(session, "clerk", "wrong", now=start + timedelta(minutes=16 * n)) is None
        assert authenticate(session, "clerk", "demo", now=start + timedelta(hours=10)) is not None


async def admin_form(console: Api, path: str = "/admin/users") -> str:
    page = await console.http.get(path)
    assert page.status_code == 200, page.text
    return form_token(page.text)


async def test_a_deactivated_user_is_shut_out_of_the_console_and_the_api_at_once(
    console: Api, database_url: str
) -> None:
    async with replica_of(console.settings) as other:  # the officer's own browser, on another replica
        officer = other.http
        assert (await sign_in(officer, "officer")).status_code == 303
        assert (await officer.get("/cases")).status_code == 200
        headers = await console.headers("officer")
        assert (await console.http.get("/api/v1/violation-types", headers=headers)).status_code == 200

        await sign_in(console.http, "admin")
        token = await admin_form(console)
        officer_id = users(database_url)["officer"].id
        done = await console.http.post(
            f"/admin/users/{officer_id}/active", data={"csrf_token": token, "active": "false"}
        )
        assert done.status_code == 303
        listing = await console.http.get(done.headers["location"])
        assert "Account deactivated" in listing.text and "deactivated</span>" in listing.text

        # The open session and the issued token stop working at once: the user is re-read on every request.
        assert (await officer.get("/cases")).status_code == 303
        assert (await console.http.get("/api/v1/violation-types", headers=headers)).status_code == 401
        assert (await sign_in(officer, "officer")).status_code == 401

        again = await console.http.post(
            f"/admin/users/{officer_id}/active", data={"csrf_token": token, "active": "true"}
        )
        assert again.status_code == 303
        assert (await officer.get("/cases")).status_code == 200


async def test_admin_creates_a_user_and_resets_a_password(console: Api, database_url: str) -> None:
    await sign_in(console.http, "admin")
    token = await admin_form(console)
    form = {
        "csrf_token": token,
        "username": "jsmith",
        "full_name": "Jo Smith",
        "role": "finance",
        "password": "temp-pass-1",
    }
    created = await console.http.post("/admin/users", data=form)
    assert created.status_code == 303
    assert users(database_url)["jsmith"].role == Role.FINANCE
    taken = await console.http.post("/admin/users", data=form)
    assert taken.status_code == 409 and "the username &#39;jsmith&#39; is taken" in taken.text
    short = await console.http.post("/admin/users", data={**form, "username": "other", "password": "short"})
    assert short.status_code == 422 and "password" in short.text
    assert "other" not in users(database_url)

    jsmith_id = users(database_url)["jsmith"].id
    reset = await console.http.post(
        f"/admin/users/{jsmith_id}/password", data={"csrf_token": token, "password": "another-pass-2"}
    )
    assert reset.status_code == 303
    api_token = await console.http.post("/api/v1/auth/token", data={"username": "jsmith", "password": "another-pass-2"})
    assert api_token.status_code == 200

    admin_id = users(database_url)["admin"].id
    self_off = await console.http.post(f"/admin/users/{admin_id}/active", data={"csrf_token": token, "active": "false"})
    assert self_off.status_code == 409 and users(database_url)["admin"].active


async def test_admin_keeps_officers_zones_and_specialties(console: Api, database_url: str) -> None:
    await sign_in(console.http, "admin")
    token = await admin_form(console, "/admin/zones")
    zone = await console.http.post(
        "/admin/zones", data={"csrf_token": token, "code": "R9", "name": "Riverside", "description": "Beyond the river"}
    )
    assert zone.status_code == 303
    page = await console.http.get("/admin/zones")
    assert "Riverside" in page.text and "no officer: its cases go unassigned" in page.text

    form = {
        "csrf_token": token,
        "badge": "CE-900",
        "name": "Robin Hale",
        "phone": "+15550000900",
        "zone": ["R9", "N"],
        "specialty": ["pools", "noise"],
        "active": "true",
    }
    assert (await console.http.post("/admin/officers", data=form)).status_code == 303
    with session_factory(make_engine(database_url))() as session:
        robin = session.exec(select(Officer).where(Officer.badge == "CE-900")).one()
        zones = set(session.exec(select(OfficerZone.zone_code).where(OfficerZone.officer_id == robin.id)))
        skills = set(session.exec(select(OfficerSpecialty.specialty).where(OfficerSpecialty.officer_id == robin.id)))
        assert session.get(Zone, "R9") is not None
    assert zones == {"R9", "N"} and skills == {"pools", "noise"}

    edit = {**form, "officer_id": str(robin.id), "zone": ["R9"], "specialty": ["pools"]}
    del edit["active"]  # an unticked box is not sent: the officer becomes inactive
    assert (await console.http.post("/admin/officers", data=edit)).status_code == 303
    listing = await console.http.get("/admin/officers")
    assert "Robin Hale (inactive)" in listing.text
    clash = await console.http.post("/admin/officers", data={**form, "badge": "CE-101"})
    assert clash.status_code == 409 and "belongs to another officer" in clash.text


async def test_admin_forms_refuse_a_missing_token_another_role_and_anonymous(console: Api, database_url: str) -> None:
    form = {"username": "mallory", "full_name": "M", "role": "admin", "password": "temp-pass-1"}
    anonymous = await console.http.post("/admin/users", data=form)
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/login")

    await sign_in(console.http, "supervisor")
    page = await console.http.get("/cases")
    other_role = await console.http.post("/admin/users", data={**form, "csrf_token": form_token(page.text)})
    assert other_role.status_code == 403 and "may not open this page" in other_role.text
    officer_id = users(database_url)["officer"].id
    refused = await console.http.post(
        f"/admin/users/{officer_id}/active", data={"csrf_token": form_token(page.text), "active": "false"}
    )
    assert refused.status_code == 403

    console.http.cookies.clear()
    await sign_in(console.http, "admin")
    forged = await console.http.post("/admin/users", data={**form, "csrf_token": "forged"})
    assert forged.status_code == 403 and "did not come from this site" in forged.text
    missing = await console.http.post("/admin/zones", data={"code": "X", "name": "X"})
    assert missing.status_code == 403
    accounts = users(database_url)
    assert "mallory" not in accounts and accounts["officer"].active


DEMO_USERNAMES = {Role.HEARING_OFFICER: "hearing"}


@pytest.mark.parametrize("role", [None, *Role], ids=lambda r: r or "anonymous")
async def test_every_console_page_admits_exactly_the_roles_console_pages_lists(
    sqlite_url: str, role: Role | None
) -> None:
    """Straight from CONSOLE_PAGES: a page added there is walked here as every role, with nothing to edit."""
    async for console in open_api(make_settings(sqlite_url, UNREACHABLE_TEMPORAL)):
        if role is not None:
            assert (await sign_in(console.http, DEMO_USERNAMES.get(role, role.value))).status_code == 303
        home = await console.http.get("/")
        for path, _label, allowed in CONSOLE_PAGES:
            page = await console.http.get(path)
            if role is None:
                assert page.status_code == 303 and page.headers["location"].startswith("/login?next="), path
                continue
            assert page.status_code == (200 if role in allowed else 403), f"{path} as {role}: {page.status_code}"
            assert (f'href="{path}"' in home.text) == (role in allowed), f"the navigation of {role} and {path}"


async def test_signing_out_ends_the_session_even_for_a_copy_of_its_cookie(console: Api, database_url: str) -> None:
    assert (await sign_in(console.http, "officer")).status_code == 303
    copied = console.http.cookies[SESSION_COOKIE]
    token = await console.headers("officer")  # the same officer's API token, issued before signing out
    async with replica_of(console.settings) as elsewhere:
        elsewhere.http.cookies.set(SESSION_COOKIE, copied)
        assert (await elsewhere.http.get("/cases")).status_code == 200  # a copy works while the session lasts

        page = await console.http.get("/cases")
        assert (await console.http.post("/logout", data={"csrf_token": form_token(page.text)})).status_code == 303
        stale = await elsewhere.http.get("/cases")
        assert stale.status_code == 303 and stale.headers["location"].startswith("/login")
        assert (await console.http.get("/api/v1/violation-types", headers=token)).status_code == 401

    assert (await sign_in(console.http, "officer")).status_code == 303  # signing in again opens a new session
    assert (await console.http.get("/cases")).status_code == 200


async def test_a_password_reset_ends_the_sessions_opened_with_the_old_password(console: Api, database_url: str) -> None:
    async with replica_of(console.settings) as officer:
        assert (await sign_in(officer.http, "officer")).status_code == 303
        await sign_in(console.http, "admin")
        officer_id = users(database_url)["officer"].id
        token = await admin_form(console)
        reset = await console.http.post(
            f"/admin/users/{officer_id}/password", data={"csrf_token": token, "password": "fresh-pass-9"}
        )
        assert reset.status_code == 303
        assert (await officer.http.get("/cases")).status_code == 303


async def test_a_password_hashed_with_weaker_parameters_is_rehashed_at_sign_in(console: Api, database_url: str) -> None:
    weak = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1)
    with session_factory(make_engine(database_url))() as session:
        clerk = session.exec(select(User).where(User.username == "clerk")).one()
        clerk.password_hash = weak.hash("demo")
        session.add(clerk)
        session.commit()
    current = PasswordHasher()
    assert current.check_needs_rehash(users(database_url)["clerk"].password_hash)

    assert (await sign_in(console.http, "clerk", "wrong")).status_code == 401
    assert current.check_needs_rehash(users(database_url)["clerk"].password_hash), "a wrong password changes nothing"
    assert (await sign_in(console.http, "clerk")).status_code == 303
    upgraded = users(database_url)["clerk"].password_hash
    assert not current.check_needs_rehash(upgraded) and current.verify(upgraded, "demo")
    console.http.cookies.clear()
    assert (await sign_in(console.http, "clerk")).status_code == 303  # the new hash opens the account as before

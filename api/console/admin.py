"""The admin area: staff accounts (`/admin/users`), officers with their zones and specialties, zones, and the
API keys 311 apps post with.

Every form posts with its CSRF token and every route checks the admin role on the server, whatever the
navigation shows.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import col, select

from api.console.pages import render
from api.console.session import CsrfChecked, staff
from api.deps import ContextDep, RowNumber, SessionDep
from domain.access import ADMINISTER, Role
from domain.alerts import AlertChannel, AlertSettings
from records.db import transaction
from records.officers import OfficerChange, OfficerError, officers, save_officer, save_zone, zones
from records.open311 import create_key, list_keys, revoke_key
from records.tables import User
from records.users import AccountError, all_users, create_user, reset_password, set_active, set_contact

_admin = staff(ADMINISTER)
router = APIRouter(prefix="/admin", dependencies=[_admin])  # every admin route, GET and POST alike
Admin = Annotated[User, _admin]
USERNAME = r"^[a-z0-9][a-z0-9_.\-]{1,63}$"
TEMPORARY_PASSWORD_LENGTH = 10
DONE = {
    "created": "Account created: pass the temporary password on in person; they should change it.",
    "deactivated": "Account deactivated: it can no longer sign in, and its tokens stop working at once.",
    "reactivated": "Account reactivated.",
    "contact": "Contact and alert settings saved.",
    "password": "Password reset (any lockout is lifted): pass the temporary password on in person.",
    "officer": "Officer saved: new cases are assigned by these zones and specialties.",
    "zone": "Zone saved.",
    "revoked": "Key revoked: requests posted with it are refused from now on.",
}


def _back(path: str, done: str, who: str = "") -> Response:
    return RedirectResponse(f"{path}?done={done}&who={who}", status_code=status.HTTP_303_SEE_OTHER)


def _flash(request: Request) -> dict[str, Any]:
    done = request.query_params.get("done")
    return {"done": DONE.get(done or ""), "who": request.query_params.get("who", "")}


# --- Users ----------------------------------------------------------------------------------------


def _users_page(request: Request, session: SessionDep, user: User, error: str | None = None) -> Response:
    values = {
        "users": all_users(session),
        "roles": list(Role),
        "channels": list(AlertChannel),
        "error": error,
        **_flash(request),
    }
    code = status.HTTP_409_CONFLICT if error else status.HTTP_200_OK
    return render(request, "console/admin_users.html", user, values, status_code=code)


@router.get("/users", response_class=HTMLResponse)
def users(request: Request, session: SessionDep, user: Admin) -> Response:
    return _users_page(request, session, user)


@router.post("/users", dependencies=[CsrfChecked])
def add_user(
    request: Request,
    session: SessionDep,
    user: Admin,
    username: Annotated[str, Form(pattern=USERNAME)],
    full_name: Annotated[str, Form(min_length=1, max_length=120)],
    role: Annotated[Role, Form()],
    password: Annotated[str, Form(min_length=TEMPORARY_PASSWORD_LENGTH, max_length=200)],
    email: Annotated[str | None, Form(max_length=200)] = None,
) -> Response:
    try:
        create_user(session, username=username, full_name=full_name, email=email or None, role=role, password=password)
    except AccountError as refused:
        return _users_page(request, session, user, str(refused))
    return _back("/admin/users", "created", username)


def _account(session: SessionDep, user_id: RowNumber) -> User:
    account = session.get(User, user_id)
    if account is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"No user {user_id}.")
    return account


@router.post("/users/{user_id}/active", dependencies=[CsrfChecked])
def change_active(
    request: Request, session: SessionDep, user: Admin, user_id: RowNumber, active: Annotated[bool, Form()]
) -> Response:
    account = _account(session, user_id)
    if account.id == user.id and not active:
        return _users_page(request, session, user, "You cannot deactivate your own account: ask another admin.")
    set_active(session, account, active)
    return _back("/admin/users", "reactivated" if active else "deactivated", account.username)


@router.post("/users/{user_id}/password", dependencies=[CsrfChecked])
def change_password(
    session: SessionDep,
    _user: Admin,
    user_id: RowNumber,
    password: Annotated[str, Form(min_length=TEMPORARY_PASSWORD_LENGTH, max_length=200)],
) -> Response:
    account = _account(session, user_id)
    reset_password(session, account, password)
    return _back("/admin/users", "password", account.username)


@router.post("/users/{user_id}/contact", dependencies=[CsrfChecked])
def change_contact(
    session: SessionDep, _user: Admin, user_id: RowNumber, settings: Annotated[AlertSettings, Form()]
) -> Response:
    account = _account(session, user_id)
    set_contact(session, account, settings)
    return _back("/admin/users", "contact", account.username)


# --- Officers -------------------------------------------------------------------------------------


def _officers_page(
    request: Request, context: ContextDep, session: SessionDep, user: User, edit: int | None, error: str | None = None
) -> Response:
    entries = officers(session)
    editing = next((e for e in entries if e.officer.id == edit), None) if edit is not None else None
    values = {
        "officers": entries,
        "editing": editing,
        "zones": zones(session),
        "specialties": context.policy.pack.specialties,
        "accounts": session.exec(
            select(User).where(col(User.role).in_((Role.OFFICER, Role.SUPERVISOR))).order_by(col(User.username))
        ).all(),
        "error": error,
        **_flash(request),
    }
    code = status.HTTP_409_CONFLICT if error else status.HTTP_200_OK
    return render(request, "console/admin_officers.html", user, values, status_code=code)


@router.get("/officers", response_class=HTMLResponse)
def officer_list(
    request: Request, context: ContextDep, session: SessionDep, user: Admin, edit: int | None = None
) -> Response:
    return _officers_page(request, context, session, user, edit)


@router.post("/officers", dependencies=[CsrfChecked])
def officer_save(
    request: Request,
    context: ContextDep,
    session: SessionDep,
    user: Admin,
    badge: Annotated[str, Form(min_length=1, max_length=32)],
    name: Annotated[str, Form(min_length=1, max_length=120)],
    officer_id: Annotated[int | None, Form()] = None,
    email: Annotated[str | None, Form(max_length=200)] = None,
    phone: Annotated[str | None, Form(max_length=32)] = None,
    user_id: Annotated[str | None, Form()] = None,
    active: Annotated[bool, Form()] = False,
    zone: Annotated[list[str] | None, Form()] = None,
    specialty: Annotated[list[str] | None, Form()] = None,
) -> Response:
    unknown = [s for s in specialty or [] if s not in context.policy.pack.specialties]
    if unknown:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_ENTITY, detail=f"specialty: {unknown[0]!r} is not in the policy"
        )
    change = OfficerChange(
        badge=badge,
        name=name,
        email=email or None,
        phone=phone or None,
        user_id=int(user_id) if user_id else None,
        active=active,
        zones=zone or [],
        specialties=specialty or [],
    )
    try:
        save_officer(session, officer_id, change)
    except OfficerError as refused:
        session.rollback()
        return _officers_page(request, context, session, user, officer_id, str(refused))
    return _back("/admin/officers", "officer", badge)


# --- Zones ----------------------------------------------------------------------------------------


@router.get("/zones", response_class=HTMLResponse)
def zone_list(request: Request, session: SessionDep, user: Admin) -> Response:
    counts = {z.code: 0 for z in zones(session)}
    for entry in officers(session):
        for code in entry.zones:
            counts[code] = counts.get(code, 0) + (1 if entry.officer.active else 0)
    values = {"zones": zones(session), "covered": counts, **_flash(request)}
    return render(request, "console/admin_zones.html", user, values)


@router.post("/zones", dependencies=[CsrfChecked])
def zone_save(
    session: SessionDep,
    _user: Admin,
    code: Annotated[str, Form(pattern=r"^[A-Z0-9]{1,16}$")],
    name: Annotated[str, Form(min_length=1, max_length=80)],
    description: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    save_zone(session, code, name, description)
    return _back("/admin/zones", "zone", code)


# --- Open311 API keys -----------------------------------------------------------------------------


def _keys_page(request: Request, context: ContextDep, user: User, new_key: str | None = None) -> Response:
    with context.sessions() as session:
        keys = list_keys(session)
    values = {"keys": keys, "new_key": new_key, **_flash(request)}
    return render(request, "console/admin_open311_keys.html", user, values)


@router.get("/open311-keys", response_class=HTMLResponse)
def open311_keys(request: Request, context: ContextDep, user: Admin) -> Response:
    return _keys_page(request, context, user)


@router.post("/open311-keys", dependencies=[CsrfChecked])
def issue_open311_key(
    request: Request, context: ContextDep, user: Admin, name: Annotated[str, Form(min_length=2, max_length=120)]
) -> Response:
    """The key is shown on this one answer (not after a redirect): it is never stored and cannot be shown again."""
    with transaction(context.sessions) as session:
        _row, plain = create_key(session, name.strip(), user.id)
    return _keys_page(request, context, user, new_key=plain)


@router.post("/open311-keys/{key_id}/revoke", dependencies=[CsrfChecked])
def revoke_open311_key(context: ContextDep, _user: Admin, key_id: RowNumber) -> Response:
    with transaction(context.sessions) as session:
        row = revoke_key(session, key_id)
        if row is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"No Open311 key {key_id}.")
        name = row.name
    return _back("/admin/open311-keys", "revoked", name)

"""Staff accounts: password hashing (argon2), sign-in checks with lockout, and the admin's changes to accounts."""

from __future__ import annotations

from datetime import UTC, datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import case, update
from sqlmodel import Session, col, select

from domain.access import LOCKOUT_FAILURES, LOCKOUT_TIME, LOCKOUT_WINDOW, Role
from domain.alerts import AlertSettings
from records.tables import User

_hasher = PasswordHasher()


class AccountError(ValueError):
    """A change an admin asked for that cannot be made (a taken username); the message says why."""


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def authenticate(session: Session, username: str, password: str, *, now: datetime | None = None) -> User | None:
    """The active user with these credentials, or None: wrong password, unknown name, deactivated or locked.

    The caller cannot tell these apart, so an attacker learns neither which usernames exist nor which are
    locked. Failures are counted in the database (one atomic UPDATE), so the lock holds across API replicas.
    """
    now = now or datetime.now(UTC)
    user = session.exec(select(User).where(User.username == username)).first()
    if user is None or (user.locked_until is not None and user.locked_until > now):
        # Spend the same time as a real check so that response times do not reveal which usernames exist.
        _hasher.hash(password)
        return None
    try:
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        _count_failure(session, user, now)
        return None
    # The only moment the password is at hand: a hash made with weaker parameters than today's is made again.
    rehash = _hasher.check_needs_rehash(user.password_hash)
    if rehash:
        user.password_hash = _hasher.hash(password)
    if rehash or user.failed_sign_ins or user.locked_until:
        user.failed_sign_ins, user.first_failure_at, user.locked_until = 0, None, None
        session.add(user)
        session.commit()
    return user if user.active else None


def _count_failure(session: Session, user: User, now: datetime) -> None:
    in_window = col(User.first_failure_at) > now - LOCKOUT_WINDOW
    session.execute(
        update(User)
        .where(col(User.id) == user.id)
        .values(
            failed_sign_ins=case((in_window, col(User.failed_sign_ins) + 1), else_=1),
            first_failure_at=case((in_window, col(User.first_failure_at)), else_=now),
        )
    )
    session.execute(
        update(User)
        .where(col(User.id) == user.id, col(User.failed_sign_ins) >= LOCKOUT_FAILURES)
        .values(locked_until=now + LOCKOUT_TIME, failed_sign_ins=0, first_failure_at=None)
    )
    session.commit()


def active_user(session: Session, username: str, session_version: int) -> User | None:
    """The user a session token names, if still active and the token's session has not been ended."""
    user = session.exec(select(User).where(User.username == username)).first()
    if user is None or not user.active or user.session_version != session_version:
        return None
    return user


def end_sessions(session: Session, user: User) -> None:
    """Ends every session token issued to the user so far (one atomic UPDATE, so two sign-outs both count)."""
    session.execute(update(User).where(col(User.id) == user.id).values(session_version=col(User.session_version) + 1))
    session.commit()


def all_users(session: Session) -> list[User]:
    return list(session.exec(select(User).order_by(col(User.active).desc(), col(User.username))))


def create_user(
    session: Session, *, username: str, full_name: str, email: str | None, role: Role, password: str
) -> User:
    if session.exec(select(User.id).where(User.username == username)).first() is not None:
        raise AccountError(f"the username {username!r} is taken; choose another")
    user = User(username=username, full_name=full_name, email=email, role=role, password_hash=hash_password(password))
    session.add(user)
    session.commit()
    return user


def set_active(session: Session, user: User, active: bool) -> None:
    """Deactivation bites at once: every request re-reads the user (`active_user`), console and token alike."""
    user.active = active
    session.add(user)
    session.commit()


def reset_password(session: Session, user: User, password: str) -> None:
    """A temporary password the admin passes on; it also lifts a lockout and ends the sessions opened with the old
    one (whoever knew it may hold one)."""
    user.password_hash = hash_password(password)
    user.session_version += 1
    user.failed_sign_ins, user.first_failure_at, user.locked_until = 0, None, None
    session.add(user)
    session.commit()


def set_contact(session: Session, user: User, settings: AlertSettings) -> None:
    user.email, user.phone = settings.email or None, settings.phone or None
    user.alert_channel, user.daily_digest = settings.alert_channel.value, settings.daily_digest
    session.add(user)
    session.commit()

"""The console's import in two steps, a dry run and then the import of what was dry-run: the uploaded export and
mapping are kept under a name that is their own hash, so the import writes exactly what the report showed."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePath

from temporalio.service import RPCError

from services.context import AppContext
from services.legacy_import.plan import ImportPlan
from services.legacy_import.run import Written, pending_starts, plan_import, start_open_cases, write_plan

_TOKEN = re.compile(r"^[0-9a-f]{64}$")
_SUFFIXES = {".csv", ".txt", ".tsv", ".xlsx"}


@dataclass(frozen=True)
class Upload:
    token: str
    name: str
    export: bytes
    mapping: str


class UnknownUpload(LookupError):
    """No dry run was kept under this token (or it is not a token at all)."""


def _folder(context: AppContext) -> Path:
    return context.settings.document_store_dir / "legacy-imports"


def keep_upload(context: AppContext, name: str, export: bytes, mapping: str) -> Upload:
    suffix = PurePath(name).suffix.lower()
    suffix = suffix if suffix in _SUFFIXES else ".csv"
    token = hashlib.sha256(export + b"\0" + mapping.encode()).hexdigest()
    folder = _folder(context) / token
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"export{suffix}").write_bytes(export)
    (folder / "mapping.toml").write_text(mapping, encoding="utf-8")
    (folder / "name").write_text(PurePath(name).name, encoding="utf-8")
    return Upload(token, PurePath(name).name, export, mapping)


def kept_upload(context: AppContext, token: str) -> Upload:
    folder = _folder(context) / token
    if not _TOKEN.match(token) or not folder.is_dir():
        raise UnknownUpload(f"no dry run {token[:12]}… is kept: upload the file and the mapping again")
    export = next(folder.glob("export.*"))
    name = (folder / "name").read_text(encoding="utf-8")
    return Upload(token, name, export.read_bytes(), (folder / "mapping.toml").read_text(encoding="utf-8"))


def dry_run(context: AppContext, upload: Upload) -> ImportPlan:
    today = datetime.now(UTC).astimezone(context.policy.calendar.zone).date()
    return plan_import(
        context.sessions, context.policy, context.city, upload.name, upload.export, upload.mapping, today
    )


@dataclass(frozen=True)
class Imported:
    written: Written
    started: int
    waiting: int  # open cases whose workflow is not started yet: Temporal was unreachable


async def run_import(context: AppContext, upload: Upload) -> Imported:
    """Plans again (the database may have moved since the dry run), writes what passes, starts the open cases;
    while Temporal is unreachable the reconciler starts them later."""
    plan = dry_run(context, upload)
    written = write_plan(context.sessions, context.policy, plan, upload.name)
    settings = context.settings
    try:
        started = await start_open_cases(
            context.temporal, settings.temporal_task_queue, context.sessions, context.policy
        )
    except (RuntimeError, RPCError):  # Temporal is down: the reconciler starts them when it is back
        started = 0
    return Imported(written, started, len(pending_starts(context.sessions)))

"""A TOML file read into the pydantic model that checks it (a policy pack, an import's mapping): what is wrong is told
as the first key at fault and the reason, the way a person editing the file looks for it."""

from __future__ import annotations

import tomllib
from typing import TypeVar

from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)


class TomlRefused(ValueError):
    """The text is not TOML (`key` is None), or the model refuses the value at `key` ("" for the file as a whole)."""

    def __init__(self, key: str | None, reason: str) -> None:
        super().__init__(f"{key}: {reason}" if key else reason)
        self.key, self.reason = key, reason


def _key_of(loc: tuple[int | str, ...]) -> str:
    """A validation error's location as the file writes it: `statuses.OPEN.outcome`, `notice_types[0].days`."""
    key = ""
    for part in loc:
        key += f"[{part}]" if isinstance(part, int) else (f".{part}" if key else str(part))
    return key


def read_toml(text: str, model: type[M]) -> M:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise TomlRefused(None, str(exc)) from None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise TomlRefused(_key_of(first["loc"]), first["msg"].removeprefix("Value error, ")) from None

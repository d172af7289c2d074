"""The immutable document store: every letter and piece of evidence is written once under its name, with its sha256.

A stored document is a legal record: it is never replaced, and a retry that writes the same bytes finds its own
file already there.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from pathlib import Path

from temporalio.exceptions import ApplicationError


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class DocumentConflict(ApplicationError):
    def __init__(self, relative: str, stored: str, rendered: str) -> None:
        super().__init__(
            f"document {relative} already exists with a different hash (stored {stored[:12]}…, this render "
            f"{rendered[:12]}…): a stored letter is never replaced; issue a new letter under a new business key",
            type="DocumentConflict",
            non_retryable=True,
        )


def store_once(path: Path, data: bytes, relative: str) -> bool:
    """Writes `data` at `path` unless the name exists; True when written, False when these bytes were already there.

    The file is complete on disk before it gets its name (temp file, fsync, hard link), and a link never
    replaces an existing name, so neither a crash nor a racing attempt can leave a half letter or swap one.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(temp, path)
        except FileExistsError:
            stored, rendered = sha256_of(path.read_bytes()), sha256_of(data)
            if stored == rendered:
                return False
            raise DocumentConflict(relative, stored, rendered) from None
        directory = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
        return True
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)

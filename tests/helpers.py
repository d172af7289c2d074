"""Small helpers for tests that drive cases: polling until something a user would see becomes true."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")


async def eventually(probe: Callable[[], Awaitable[T]], *, until: Callable[[T], bool], within: float = 30.0) -> T:
    """Polls `probe` until `until(result)`; fails with the last result if it never holds."""
    deadline = asyncio.get_running_loop().time() + within
    while True:
        result = await probe()
        if until(result):
            return result
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"condition not met within {within} s; last value: {result!r}")
        await asyncio.sleep(0.2)

"""Retrying a model call that failed for a passing reason, within a budget.

Used where the client library does not retry by itself (Ollama's). Exponential backoff with
full jitter; only failures ``transient`` accepts are retried, the last one is raised.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")


async def with_retries(
    attempt: Callable[[], Awaitable[T]],
    *,
    retries: int,
    transient: Callable[[BaseException], bool],
    base_seconds: float = 0.25,
    max_seconds: float = 4.0,
) -> T:
    for tries in range(retries + 1):
        try:
            return await attempt()
        except Exception as exc:
            if tries == retries or not transient(exc):
                raise
            await asyncio.sleep(random.uniform(0, min(max_seconds, base_seconds * 2**tries)))
    raise AssertionError("unreachable")

"""Retrying a call to an outside service that failed for a passing reason.

One policy for every caller (the Stripe sync, Ollama's chat and embeddings; the OpenAI and
Pinecone clients retry by themselves): exponential backoff with full jitter, never shorter than
the service asked for (``Retry-After``), a few tries per request and, for a long run such as a
sync, a budget of waiting shared by all its requests, so that a struggling service slows a run
down instead of holding it forever. Built on tenacity; only failures ``transient`` accepts are
retried, and the last one is raised as it was.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, wait_random_exponential

T = TypeVar("T")
Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Backoff:
    """How one request is retried: ``retries`` more tries, waiting up to ``base_seconds``
    before the first, doubling, never more than ``cap_seconds``."""

    retries: int
    base_seconds: float = 0.25
    cap_seconds: float = 4.0


@dataclass(slots=True)
class WaitBudget:
    """Seconds of waiting a whole run may spend on retries, and what it has spent."""

    seconds: float
    waited: float = 0.0
    retries: int = 0

    @property
    def left(self) -> float:
        return max(0.0, self.seconds - self.waited)


async def with_retries(
    attempt: Callable[[], Awaitable[T]],
    backoff: Backoff,
    *,
    transient: Callable[[BaseException], bool],
    retry_after: Callable[[BaseException], float | None] = lambda _: None,
    budget: WaitBudget | None = None,
    sleep: Sleep = asyncio.sleep,
) -> T:
    """``attempt()``'s result, retrying transient failures. Gives up (raising the last failure)
    when the request is out of tries, or the budget is spent or cannot cover the wait the
    service asked for: the next run starts again from where this one stopped."""
    jitter = wait_random_exponential(multiplier=backoff.base_seconds, max=backoff.cap_seconds)

    def asked(state: RetryCallState) -> float:
        failure = state.outcome.exception() if state.outcome else None
        return (retry_after(failure) or 0.0) if failure else 0.0

    def pause(state: RetryCallState) -> float:
        wait = max(jitter(state), asked(state))
        return min(wait, budget.left) if budget else wait

    def out_of_tries(state: RetryCallState) -> bool:
        if state.attempt_number > backoff.retries:
            return True
        return budget is not None and (budget.left <= 0 or asked(state) > budget.left)

    def spend(state: RetryCallState) -> None:
        if budget is not None:
            budget.waited += state.upcoming_sleep
            budget.retries += 1

    retrying = AsyncRetrying(
        retry=retry_if_exception(transient),
        wait=pause,
        stop=out_of_tries,
        before_sleep=spend,
        sleep=sleep,
        reraise=True,
    )
    return await retrying(attempt)

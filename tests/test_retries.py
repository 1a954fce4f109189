"""The one retry policy: exponential backoff with full jitter, per request and per run."""

import pytest

from vaultra_mcp.retries import Backoff, WaitBudget, with_retries


class Sleeps(list):
    async def __call__(self, seconds: float) -> None:
        self.append(seconds)


class Throttled(Exception):
    def __init__(self, retry_after: float | None = None) -> None:
        self.retry_after = retry_after


class Flaky:
    """Fails with ``failure`` the first ``failures`` calls, then answers "ok"."""

    def __init__(self, failures: int, failure: Exception | None = None) -> None:
        self.failures, self.failure, self.calls = failures, failure or Throttled(), 0

    async def __call__(self) -> str:
        self.calls += 1
        if self.calls <= self.failures:
            raise self.failure
        return "ok"


DEFAULT = Backoff(5, 1.0, 4.0)


async def retried(attempt, backoff=DEFAULT, budget=None, sleeps=None):
    return await with_retries(
        attempt,
        backoff,
        transient=lambda exc: isinstance(exc, Throttled),
        retry_after=lambda exc: getattr(exc, "retry_after", None),
        budget=budget,
        sleep=sleeps if sleeps is not None else Sleeps(),
    )


async def test_waits_grow_exponentially_up_to_the_cap_with_jitter_below_each_ceiling():
    sleeps = Sleeps()
    assert await retried(Flaky(5), sleeps=sleeps) == "ok"

    ceilings = [1.0, 2.0, 4.0, 4.0, 4.0]
    assert all(0 <= slept <= ceiling for slept, ceiling in zip(sleeps, ceilings, strict=True))


async def test_one_request_gets_at_most_its_retries_then_the_last_failure_is_raised():
    attempt = Flaky(3)
    with pytest.raises(Throttled):
        await retried(attempt, Backoff(2, 0.001, 0.01))
    assert attempt.calls == 3


async def test_a_failure_that_is_not_transient_is_raised_at_once():
    attempt, sleeps = Flaky(1, ValueError("refused")), Sleeps()
    with pytest.raises(ValueError):
        await retried(attempt, sleeps=sleeps)
    assert (attempt.calls, sleeps) == (1, [])


async def test_each_request_gets_its_own_retries_and_backoff():
    budget, sleeps = WaitBudget(100.0), Sleeps()
    for _ in range(2):
        assert await retried(Flaky(1), Backoff(1, 1.0, 4.0), budget, sleeps) == "ok"
    assert budget.retries == 2 and all(slept <= 1.0 for slept in sleeps)


async def test_the_run_stops_retrying_once_its_waiting_budget_is_spent():
    budget, sleeps = WaitBudget(3.0), Sleeps()
    with pytest.raises(Throttled):
        for _ in range(100):
            await retried(Flaky(1), Backoff(100, 10.0, 10.0), budget, sleeps)
    assert sum(sleeps) == pytest.approx(budget.waited) and budget.waited <= 3.0


async def test_no_retries_never_waits():
    sleeps = Sleeps()
    with pytest.raises(Throttled):
        await retried(Flaky(1), Backoff(0), sleeps=sleeps)
    assert sleeps == []


async def test_a_wait_asked_for_by_the_service_is_waited_at_least():
    sleeps = Sleeps()
    assert await retried(Flaky(1, Throttled(3.0)), Backoff(5, 0.001, 0.01), sleeps=sleeps) == "ok"
    assert sleeps == [3.0]


async def test_a_wait_longer_than_the_run_has_left_gives_up_instead():
    budget, sleeps = WaitBudget(10.0), Sleeps()
    with pytest.raises(Throttled):
        await retried(Flaky(1, Throttled(11.0)), budget=budget, sleeps=sleeps)
    assert sleeps == [] and budget.retries == 0

"""The sync's retry budget: exponential backoff with full jitter, per request and per run."""

import pytest

from vaultra_mcp.services.stripe_sync import RetryBudget


class Sleeps(list):
    async def __call__(self, seconds: float) -> None:
        self.append(seconds)


def budget(**overrides) -> tuple[RetryBudget, Sleeps]:
    sleeps = Sleeps()
    settings = {"per_request": 5, "seconds": 100.0, "base_seconds": 1.0, "cap_seconds": 4.0}
    return RetryBudget(**(settings | overrides), sleep=sleeps), sleeps


async def test_waits_grow_exponentially_up_to_the_cap_with_jitter_below_each_ceiling():
    retry, sleeps = budget()
    for _ in range(5):
        assert await retry.wait()

    ceilings = [1.0, 2.0, 4.0, 4.0, 4.0]
    assert all(0 <= slept <= ceiling for slept, ceiling in zip(sleeps, ceilings, strict=True))


async def test_one_request_gets_at_most_its_retries():
    retry, _ = budget(per_request=2)

    assert [await retry.wait() for _ in range(3)] == [True, True, False]


async def test_a_success_gives_the_next_request_its_own_retries_back():
    retry, sleeps = budget(per_request=1)
    await retry.wait()

    retry.succeeded()

    assert await retry.wait()
    assert sleeps[1] <= 1.0  # the backoff starts over too


async def test_the_run_stops_retrying_once_its_waiting_budget_is_spent():
    retry, sleeps = budget(per_request=100, seconds=3.0, base_seconds=10.0, cap_seconds=10.0)
    while await retry.wait():
        retry.succeeded()

    assert sum(sleeps) == pytest.approx(retry.waited) and retry.waited <= 3.0


async def test_a_zero_budget_never_waits():
    retry, sleeps = budget(per_request=0)

    assert not await retry.wait() and sleeps == []


async def test_a_wait_asked_for_by_stripe_is_waited_at_least():
    retry, sleeps = budget(base_seconds=0.001, cap_seconds=0.01)

    assert await retry.wait(at_least=3.0)

    assert sleeps == [3.0]


async def test_a_wait_longer_than_the_run_has_left_gives_up_instead():
    retry, sleeps = budget(seconds=10.0)

    assert not await retry.wait(at_least=11.0)

    assert sleeps == []

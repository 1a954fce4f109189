"""Group commit: concurrent submissions share one handler call, each gets its own answer."""

import asyncio

import pytest

from vaultra_mcp.batching import GroupCommit


class Recorder:
    def __init__(self, fail: bool = False) -> None:
        self.batches: list[list[int]] = []
        self.fail = fail

    async def __call__(self, items):
        self.batches.append(list(items))
        await asyncio.sleep(0)
        if self.fail:
            raise RuntimeError("the write failed")
        return [item * 10 for item in items]


async def test_concurrent_submissions_share_a_batch_and_get_their_own_results():
    handler = Recorder()
    group = GroupCommit(handler)

    results = await asyncio.gather(*(group.submit(n) for n in range(5)))

    assert results == [0, 10, 20, 30, 40]
    assert handler.batches == [[0, 1, 2, 3, 4]]
    await group.close()


async def test_a_batch_never_exceeds_its_limit():
    handler = Recorder()
    group = GroupCommit(handler, max_batch=2)

    await asyncio.gather(*(group.submit(n) for n in range(5)))

    assert [len(b) for b in handler.batches] == [2, 2, 1]
    await group.close()


async def test_a_failed_write_is_every_waiting_callers_error_and_the_next_batch_still_runs():
    handler = Recorder(fail=True)
    group = GroupCommit(handler)

    outcomes = await asyncio.gather(*(group.submit(n) for n in range(3)), return_exceptions=True)
    handler.fail = False
    after = await group.submit(7)

    assert all(isinstance(o, RuntimeError) for o in outcomes)
    assert after == 70
    await group.close()


async def test_a_closed_group_starts_a_new_writer_when_used_again():
    handler = Recorder()
    group = GroupCommit(handler)
    await group.submit(1)

    await group.close()
    again = await group.submit(2)

    assert again == 20 and handler.batches == [[1], [2]]
    await group.close()


@pytest.mark.parametrize("count", [1, 30])
async def test_sequential_submissions_each_complete(count):
    group = GroupCommit(Recorder())

    assert [await group.submit(n) for n in range(count)] == [n * 10 for n in range(count)]
    await group.close()

"""Group commit: writes that arrive together share one transaction.

Each caller submits an item and waits for its own result; one background task per group takes
whatever has queued up (up to ``max_batch``) and hands it to the group's handler, which writes
the batch in one transaction and returns a result per item. A caller's answer therefore still
means "durably written", but a burst of concurrent writers pays for one commit instead of one
each, and touches shared rows once per batch instead of once per item.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")

Handler = Callable[[Sequence[T]], Awaitable[Sequence[R]]]


class GroupCommit(Generic[T, R]):
    def __init__(self, handler: Handler[T, R], max_batch: int = 64) -> None:
        self.handler = handler
        self.max_batch = max_batch
        self._queue: asyncio.Queue[tuple[T, asyncio.Future[R]]] | None = None
        self._task: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    async def submit(self, item: T) -> R:
        loop = asyncio.get_running_loop()
        if self._loop is not loop or self._task is None or self._task.done():
            self._loop, self._queue = loop, asyncio.Queue()
            # a context of its own: not the first submitter's (its request id, say) forever
            self._task = loop.create_task(self._run(self._queue), context=contextvars.Context())
        assert self._queue is not None
        result: asyncio.Future[R] = loop.create_future()
        self._queue.put_nowait((item, result))
        return await result

    async def _run(self, queue: asyncio.Queue[tuple[T, asyncio.Future[R]]]) -> None:
        while True:
            batch = [await queue.get()]
            while not queue.empty() and len(batch) < self.max_batch:
                batch.append(queue.get_nowait())
            waiting = [(item, future) for item, future in batch if not future.cancelled()]
            try:
                results = await self.handler([item for item, _ in waiting])
            except Exception as exc:  # every caller in the batch hears what went wrong
                for _, future in waiting:
                    if not future.done():
                        future.set_exception(exc)
                continue
            for (_, future), result in zip(waiting, results, strict=True):
                if not future.done():
                    future.set_result(result)

    async def close(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        self._task = None


class Batches:
    """The group commits of one process, by name, closed with its services."""

    def __init__(self) -> None:
        self._groups: dict[str, GroupCommit[Any, Any]] = {}

    def group(self, name: str, handler: Handler[T, R], max_batch: int = 64) -> GroupCommit[T, R]:
        if name not in self._groups:
            self._groups[name] = GroupCommit(handler, max_batch)
        return self._groups[name]

    async def close(self) -> None:
        for group in self._groups.values():
            await group.close()

"""Small in-process LRUs: one for values derived from immutable rows, one that also expires.

Score and snapshot rows never change once written, so their parsed forms can be kept by id for
the life of the process; a new computation is a new row with a new id. What can change under a
key (a token's revocation, a business's name) goes in an ``ExpiringMemo``, whose entries live at
most ``ttl`` seconds.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

DEFAULT_SIZE = 4_096


class Memo:
    def __init__(self, size: int = DEFAULT_SIZE) -> None:
        self.size = size
        self._items: OrderedDict[Hashable, Any] = OrderedDict()

    def get(self, key: Hashable) -> Any | None:
        value = self._items.get(key)
        if value is not None:
            self._items.move_to_end(key)
        return value

    def put(self, key: Hashable, value: Any) -> Any:
        self._items[key] = value
        self._items.move_to_end(key)
        if len(self._items) > self.size:
            self._items.popitem(last=False)
        return value

    def pop(self, key: Hashable) -> None:
        self._items.pop(key, None)


class ExpiringMemo:
    """A ``Memo`` whose entries are forgotten ``ttl`` seconds after they were put.

    ``now`` is a monotonic clock in seconds; tests pass one they move by hand.
    """

    def __init__(
        self, ttl: float, size: int = DEFAULT_SIZE, now: Callable[[], float] = time.monotonic
    ) -> None:
        self.ttl = ttl
        self.now = now
        self._memo = Memo(size)

    def get(self, key: Hashable) -> Any | None:
        entry = self._memo.get(key)
        if entry is None:
            return None
        value, expires = entry
        if self.now() >= expires:
            self._memo.pop(key)
            return None
        return value

    def put(self, key: Hashable, value: Any) -> Any:
        self._memo.put(key, (value, self.now() + self.ttl))
        return value

    def pop(self, key: Hashable) -> None:
        self._memo.pop(key)

"""Arrival orders for the convergence properties: events in batches, a backfill among them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from vaultra_mcp.core.stripe_events import envelope
from vaultra_mcp.services.deps import Deps
from vaultra_mcp.services.webhooks import ingest_account_events

BACKFILL = "backfill"  # where, among the events, a backfill reads the account


async def deliver_in_batches(
    deps: Deps,
    business_id: int,
    order: list[Any],
    batches: Iterable[int],
    backfill: Callable[[], Awaitable[None]],
) -> None:
    """Deliver ``order`` (event objects, some repeated, and ``BACKFILL``) in batches of the
    given sizes, as concurrent webhooks would land together; event ids are made unique to the
    business, so every example can use its own."""
    pending, sizes = list(order), iter(batches)
    while pending:
        size = next(sizes)
        batch, pending = pending[:size], pending[size:]
        events = [
            envelope(item | {"id": f"{item['id']}b{business_id}"})
            for item in batch
            if item != BACKFILL
        ]
        if events:
            await ingest_account_events(deps, business_id, events)
        if BACKFILL in batch:
            await backfill()

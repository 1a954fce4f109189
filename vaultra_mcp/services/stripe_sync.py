"""Syncing connected Stripe accounts: a resumable backfill, then incremental reconciliation.

**Backfill** (on connect, with ``--full``, or when the last sync is older than the Events API
keeps events): charges, refunds, disputes and payouts created in the last
``VAULTRA_STRIPE_BACKFILL_MONTHS`` months, a page at a time. Each page's rows and the cursor that
follows it commit together, so a sync killed half-way resumes at the next page and never
duplicates or skips (rows are also keyed on Stripe's id). **Incremental**: every event since the
last sync (minus a minute of overlap) from the account's Events API, stored and applied exactly
like a webhook, which both catches what webhooks missed and makes one delivered both ways count
once. Rows carry ``observed_at`` (a read's is the whole second it was asked for, the precision of
an event's) and ``observed_rank``, so older information never overwrites newer.

Rate limits and retryable failures are waited out with exponential backoff and full jitter, a
few times per request and within a budget of waiting per run; a revoked token disconnects the
integration instead of retrying. One sync per account at a time, across processes, by a lease
on the integration row. A sync that brought anything new recomputes that business alone.
"""

from __future__ import annotations

import asyncio
import calendar
import logging
import os
import secrets
import socket
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel
from sqlalchemy import or_, select, update
from sqlmodel import col

from vaultra_mcp.core.payment_set import PaymentSet
from vaultra_mcp.core.stripe_events import HANDLED, MalformedEvent, envelope
from vaultra_mcp.core.stripe_objects import charge_row, dispute_row, payout_row, refund_row
from vaultra_mcp.errors import InvalidInput, NotFound, UpstreamUnavailable, VaultraError
from vaultra_mcp.integrations.stripe_gateway import (
    ConnectedAccount,
    Page,
    Resource,
    StripeAccessRevoked,
    StripeApiGateway,
    StripeGateway,
    StripeThrottled,
)
from vaultra_mcp.models import IntegrationAccount
from vaultra_mcp.retries import Backoff, WaitBudget, with_retries
from vaultra_mcp.services.deps import Deps
from vaultra_mcp.services.metrics import JobOutcome, run_compute_metrics
from vaultra_mcp.services.payments import upsert_observed_rows
from vaultra_mcp.services.readiness import run_compute_readiness
from vaultra_mcp.services.recommendations import run_generate_recommendations
from vaultra_mcp.services.secret_box import decrypt
from vaultra_mcp.services.webhooks import ingest_account_events

log = logging.getLogger("vaultra.stripe_sync")

BACKFILLED: tuple[Resource, ...] = ("charges", "refunds", "disputes", "payouts")
EVENT_TYPES = tuple(sorted(HANDLED))
EVENTS_KEPT = timedelta(days=29)  # Stripe keeps 30 days of events; beyond that, backfill again
OVERLAP = timedelta(minutes=1)
LEASE = timedelta(minutes=10)
MAPPERS: dict[str, Callable[[int, dict[str, Any], bytes], dict[str, Any]]] = {
    "charges": charge_row,
    "refunds": lambda business_id, obj, _: refund_row(business_id, obj),
    "disputes": lambda business_id, obj, _: dispute_row(business_id, obj),
    "payouts": lambda business_id, obj, _: payout_row(business_id, obj),
}

Sleep = Callable[[float], Awaitable[None]]
Progress = Callable[["SyncReport"], None]
Status = Literal["synced", "busy", "disconnected", "failed"]


class SyncReport(BaseModel):
    business_id: int
    account_id: str
    status: Status
    phase: Literal["backfill", "incremental", "none"] = "none"
    pages: int = 0
    rows: int = 0  # payment rows written, by the backfill and by events alike
    events: int = 0  # events applied (new ones; a duplicate of one already stored is not)
    retries: int = 0
    error: str | None = None


def sync_backoff(deps: Deps) -> Backoff:
    """How one Stripe request of a sync is retried."""
    stripe = deps.settings.stripe
    return Backoff(stripe.max_retries, stripe.backoff_base, stripe.backoff_max)


async def run_stripe_sync(
    deps: Deps, *, full: bool = False, gateway: StripeGateway | None = None
) -> JobOutcome:
    """The 15-minute job: every connected account. One account failing does not stop the
    others; the run fails at the end, naming them, so the job run records why."""
    async with deps.db.sessions() as session:
        ids = (
            (
                await session.execute(
                    select(col(IntegrationAccount.id)).where(
                        col(IntegrationAccount.provider) == "stripe",
                        col(IntegrationAccount.status) == "connected",
                    )
                )
            )
            .scalars()
            .all()
        )
    reports = [await sync_integration(deps, i, full=full, gateway=gateway) for i in ids if i]
    failed = [r for r in reports if r.status == "failed"]
    if failed:
        raise UpstreamUnavailable(
            "; ".join(f"{r.account_id}: {r.error}" for r in failed), code="STRIPE_SYNC_FAILED"
        )
    touched = [r for r in reports if r.rows or r.events]
    return JobOutcome(businesses=len(touched), rows=sum(r.rows for r in reports))


async def sync_business(
    deps: Deps,
    business_id: int,
    *,
    full: bool = False,
    force: bool = False,
    gateway: StripeGateway | None = None,
    on_page: Progress | None = None,
) -> list[SyncReport]:
    """Sync now every Stripe account connected to ``business_id`` (operators, the CLI).
    ``force`` takes over a lease whose holder is known to be gone (see ``_claim``);
    ``on_page`` hears each account's report as every page lands."""
    async with deps.db.sessions() as session:
        ids = (
            (
                await session.execute(
                    select(col(IntegrationAccount.id)).where(
                        col(IntegrationAccount.business_id) == business_id,
                        col(IntegrationAccount.provider) == "stripe",
                    )
                )
            )
            .scalars()
            .all()
        )
    if not ids:
        raise NotFound(
            f"Business {business_id} has no Stripe account.",
            code="STRIPE_NOT_CONNECTED",
            next_step="Link one with `vaultra stripe link` or connect it in the app.",
        )
    return [
        await sync_integration(deps, i, full=full, force=force, gateway=gateway, on_page=on_page)
        for i in ids
        if i
    ]


async def sync_integration(
    deps: Deps,
    integration_id: int,
    *,
    full: bool = False,
    force: bool = False,
    gateway: StripeGateway | None = None,
    sleep: Sleep = asyncio.sleep,
    on_page: Progress | None = None,
) -> SyncReport:
    """Backfill or catch up one connected account, then recompute its business if needed."""
    holder = lease_holder()
    integration = await _claim(deps, integration_id, holder, force)
    if isinstance(integration, SyncReport):
        return integration
    own_gateway = gateway is None
    stripe = gateway or StripeApiGateway(deps.settings)
    budget = WaitBudget(deps.settings.stripe.retry_budget)
    run = _Run(deps, integration, holder, stripe, budget, sleep, on_page)
    try:
        await run.sync(full)
    except StripeAccessRevoked as exc:
        await _disconnect(deps, integration_id, holder, exc.message)
        run.report.status, run.report.error = "disconnected", exc.message
    except VaultraError as exc:  # the budget ran out, Stripe erred, or sent what we cannot read
        await _release(deps, integration_id, holder, exc.message)
        run.report.status, run.report.error = "failed", exc.message
    else:
        await _release(deps, integration_id, holder, None)
    finally:
        if own_gateway:
            await stripe.close()
    if run.report.rows or run.report.events:
        await recompute(deps, integration.business_id)
    log.info("stripe sync %s: %s", integration.external_account_id, run.report.model_dump())
    return run.report


async def recompute(deps: Deps, business_id: int) -> None:
    """That business alone, through the same three steps the hourly and daily jobs run."""
    await run_compute_metrics(deps, business_ids=[business_id])
    await run_compute_readiness(deps, business_ids=[business_id])
    await run_generate_recommendations(deps, business_ids=[business_id])


class _Run:
    def __init__(
        self,
        deps: Deps,
        integration: IntegrationAccount,
        holder: str,
        gateway: StripeGateway,
        budget: WaitBudget,
        sleep: Sleep,
        on_page: Progress | None,
    ) -> None:
        assert integration.id is not None
        self.deps, self.holder, self.gateway, self.budget = deps, holder, gateway, budget
        self.backoff, self.sleep, self.on_page = sync_backoff(deps), sleep, on_page
        self.integration_id = integration.id
        self.business_id = integration.business_id
        token = integration.access_token_encrypted
        self.account = ConnectedAccount(
            integration.external_account_id, decrypt(deps.settings, token) if token else None
        )
        self.cursor: dict[str, Any] = dict(integration.sync_cursor or {})
        self.report = SyncReport(
            business_id=self.business_id, account_id=self.account.account_id, status="synced"
        )
        self.key = deps.settings.auth.hash_key.get_secret_value().encode()

    async def sync(self, full: bool) -> None:
        now = self.deps.clock.now()
        since = self.cursor.get("events_since")
        stale = since is None or _at(since) < now - EVENTS_KEPT
        if full or "backfill" in self.cursor or stale:
            await self.backfill(now, restart=full or "backfill" not in self.cursor)
        else:
            await self.catch_up(now)

    async def backfill(self, now: datetime, restart: bool) -> None:
        self.report.phase = "backfill"
        if restart:
            window = months_before(now, self.deps.settings.stripe.backfill_months)
            self.cursor = {
                "backfill": {"since": _epoch(window), "started": _epoch(now), "done": []}
            }
        state = self.cursor["backfill"]
        for resource in BACKFILLED:
            if resource in state["done"]:
                continue
            while True:
                after = state.get("after") if state.get("resource") == resource else None
                page, asked_at = await self.fetch(
                    resource, starting_after=after, created_gte=state["since"]
                )
                rows = self.rows(resource, page, asked_at)
                if page.has_more and page.items:
                    state.update(resource=resource, after=page.items[-1]["id"])
                else:
                    state["done"].append(resource)
                    state.update(resource=None, after=None)
                await self.commit(rows, len(page.items))
                if resource in state["done"]:
                    break
        started = _at(state["started"])
        self.cursor = {"events_since": _epoch(started - OVERLAP)}
        await self.commit(PaymentSet(), 0, synced=True)

    async def catch_up(self, now: datetime) -> None:
        self.report.phase = "incremental"
        since, after = int(self.cursor["events_since"]), None
        while True:
            page, _ = await self.fetch(
                "events", starting_after=after, created_gte=since, types=EVENT_TYPES
            )
            events = []
            for item in page.items:
                try:
                    events.append(envelope(item))
                except MalformedEvent as exc:
                    log.warning("skipping an unreadable event from Stripe: %s", exc)
            written = await ingest_account_events(self.deps, self.business_id, events)
            self.report.events += sum(o == "processed" for o in written.outcomes)
            self.report.rows += written.rows
            self.report.pages += 1
            self.heard()
            if not page.has_more or not page.items:
                break
            after = page.items[-1]["id"]
        self.cursor = {"events_since": _epoch(now - OVERLAP)}
        await self.commit(PaymentSet(), 0, synced=True)

    async def fetch(
        self,
        resource: Resource,
        *,
        starting_after: str | None,
        created_gte: int,
        types: tuple[str, ...] = (),
    ) -> tuple[Page, datetime]:
        """A page, and when the request that brought it was sent."""

        async def attempt() -> tuple[Page, datetime]:
            asked_at = self.deps.clock.now()
            page = await self.gateway.page(
                self.account,
                resource,
                starting_after=starting_after,
                created_gte=created_gte,
                types=types,
            )
            return page, asked_at

        try:
            return await with_retries(
                attempt,
                self.backoff,
                transient=lambda exc: isinstance(exc, StripeThrottled),
                retry_after=lambda exc: getattr(exc, "retry_after", None),
                budget=self.budget,
                sleep=self.sleep,
            )
        except StripeThrottled as exc:
            raise UpstreamUnavailable(
                f"gave up after {self.budget.retries} retries: {exc.message}",
                code="STRIPE_SYNC_FAILED",
            ) from exc
        finally:
            self.report.retries = self.budget.retries

    def rows(self, resource: str, page: Page, asked_at: datetime) -> PaymentSet:
        return read_rows(self.business_id, resource, page.items, asked_at, self.key)

    async def commit(self, rows: PaymentSet, fetched: int, synced: bool = False) -> None:
        """The page's rows and the cursor after it, in one transaction; the lease renewed."""
        now = self.deps.clock.now()
        values: dict[str, Any] = {"sync_cursor": self.cursor, "sync_lease_until": now + LEASE}
        if synced:
            values.update(last_synced_at=now, last_error=None)
        written = 0
        async with self.deps.db.transaction() as session:
            if len(rows):
                written = await upsert_observed_rows(session, self.deps.db.dialect, rows, now)
            await session.execute(
                _held(self.integration_id, self.holder).values(**values, updated_at=now)
            )
        self.report.rows += written
        self.report.pages += 1 if fetched else 0
        self.heard()

    def heard(self) -> None:
        if self.on_page is not None:
            self.on_page(self.report)


def read_rows(
    business_id: int, resource: str, objects: list[dict[str, Any]], asked_at: datetime, key: bytes
) -> PaymentSet:
    """Rows for objects a list request returned, observed at the whole second the request was
    sent. Stripe stamps events in whole seconds: a change in that second may or may not be in
    the page, so an event of that second ties with the read (and the object's progress
    decides), and one of an earlier second is older than it, as it truly is."""
    observed_at = asked_at.replace(microsecond=0)
    mapped = []
    for obj in objects:
        try:
            row = MAPPERS[resource](business_id, obj, key)
        except (KeyError, TypeError, ValueError) as exc:
            raise InvalidInput(f"Stripe sent an unreadable {resource} object: {exc}") from exc
        mapped.append(row | {"observed_at": observed_at})
    return PaymentSet(**{resource: mapped})


def lease_holder() -> str:
    """Who holds a lease: this host and process, and a token telling two syncs of one apart."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


def holder_gone(holder: str | None) -> bool:
    """Whether the process named by ``holder`` is known to have ended: it ran on this host and
    no process has its pid. A holder on another host cannot be checked from here."""
    host, _, rest = (holder or "").partition(":")
    pid = rest.partition(":")[0]
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # it exists, under another user
    return False


def _held(integration_id: int, holder: str) -> Any:
    """An UPDATE of the integration that only its lease holder may make."""
    return update(IntegrationAccount).where(
        col(IntegrationAccount.id) == integration_id,
        col(IntegrationAccount.sync_lease_holder) == holder,
    )


async def _claim(
    deps: Deps, integration_id: int, holder: str, force: bool
) -> IntegrationAccount | SyncReport:
    """The integration, leased to ``holder``; a report saying why not when it cannot be. A
    lease is free once it expires; with ``force`` also when its holder is known to be gone
    (killed mid-run), so an operator need not wait out the rest of it."""
    now = deps.clock.now()
    lease = {"sync_lease_until": now + LEASE, "sync_lease_holder": holder}
    async with deps.db.transaction() as session:
        claimed = await session.execute(
            update(IntegrationAccount)
            .where(
                col(IntegrationAccount.id) == integration_id,
                col(IntegrationAccount.status) == "connected",
                or_(
                    col(IntegrationAccount.sync_lease_until).is_(None),
                    col(IntegrationAccount.sync_lease_until) < now,
                ),
            )
            .values(**lease)
        )
        row = await session.get(IntegrationAccount, integration_id)
        if row is None:
            raise NotFound(f"No integration {integration_id}.", code="INTEGRATION_NOT_FOUND")
        taken = claimed.rowcount == 1  # type: ignore[attr-defined]
        previous = row.sync_lease_holder
        if not taken and force and row.status == "connected" and holder_gone(previous):
            taken_over = await session.execute(
                update(IntegrationAccount)
                .where(
                    col(IntegrationAccount.id) == integration_id,
                    col(IntegrationAccount.sync_lease_holder) == previous,
                )
                .values(**lease)
            )
            taken = taken_over.rowcount == 1  # type: ignore[attr-defined]
            if taken:
                log.warning("took over the sync lease of %s from %s", integration_id, previous)
        if taken:
            await session.refresh(row)
    if taken:
        return row
    status: Status = "busy" if row.status == "connected" else "disconnected"
    return SyncReport(
        business_id=row.business_id,
        account_id=row.external_account_id,
        status=status,
        error=_busy(row, force) if status == "busy" else row.last_error,
    )


def _busy(row: IntegrationAccount, forced: bool) -> str:
    until = row.sync_lease_until
    holder = row.sync_lease_holder or "an unknown process"
    message = f"another sync ({holder}) holds this account until {until:%Y-%m-%d %H:%M:%S} UTC"
    if not forced:
        return message + "; if that process is gone, --force takes the lease over"
    if holder.partition(":")[0] == socket.gethostname():
        return message + ", and that process is still running"
    return message + "; it runs on another host, so it cannot be checked from here: wait for it"


async def _release(deps: Deps, integration_id: int, holder: str, error: str | None) -> None:
    async with deps.db.transaction() as session:
        await session.execute(
            _held(integration_id, holder).values(
                sync_lease_until=None,
                sync_lease_holder=None,
                last_error=error,
                updated_at=deps.clock.now(),
            )
        )


async def _disconnect(deps: Deps, integration_id: int, holder: str, reason: str) -> None:
    now = deps.clock.now()
    async with deps.db.transaction() as session:
        await session.execute(
            _held(integration_id, holder).values(
                status="disconnected",
                access_token_encrypted=None,
                disconnected_at=now,
                sync_lease_until=None,
                sync_lease_holder=None,
                last_error=reason,
                updated_at=now,
            )
        )


def _epoch(moment: datetime) -> int:
    return int(moment.timestamp())


def _at(epoch: int) -> datetime:
    return datetime.fromtimestamp(int(epoch), UTC)


def months_before(moment: datetime, months: int) -> datetime:
    """The same day and time ``months`` calendar months earlier (clamped to the month's end)."""
    index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(index, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)

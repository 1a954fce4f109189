"""``vaultra stripe`` and ``vaultra jobs status``, and jobs across real processes."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from fakes.stripe import FakeStripe, serve_stripe_fake
from tests.cli.test_cli import CLEAN_ENV, one_line_error, vaultra
from tests.factories import AS_OF, settings_for
from vaultra_mcp.models import Charge, IntegrationAccount, JobRun
from vaultra_mcp.services.deps import Deps

ACCOUNT = "acct_clisync"


@pytest.fixture
def stripe_api() -> Iterator[tuple[str, FakeStripe]]:
    state = FakeStripe()
    state.add_account(ACCOUNT, "young_startup", as_of=AS_OF)
    with serve_stripe_fake(state) as url:
        yield url, state


def env_for(database_url: str, url: str, state: FakeStripe) -> dict[str, str]:
    return {
        "DATABASE_URL": database_url,
        "STRIPE_API_BASE": url,
        "STRIPE_SECRET_KEY": state.secret_key,
        "VAULTRA_STRIPE_BACKFILL_MONTHS": "36",
    }


def scalar(database_url: str, query):
    async def read():
        deps = Deps.build(settings_for(database_url))
        try:
            async with deps.db.sessions() as session:
                return (await session.execute(query)).scalar_one()
        finally:
            await deps.close()

    return asyncio.run(read())


def link_business_3(cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """``vaultra stripe link`` of the fake's account to business 3, as an operator types it."""
    return vaultra(
        "stripe",
        "link",
        "--business-id",
        "3",
        "--account-id",
        ACCOUNT,
        "--access-token",
        "sk_test_x",
        cwd=cwd,
        **env,
    )


def test_link_then_sync_brings_the_history(tmp_path: Path, demo_database_url, stripe_api):
    url, state = stripe_api
    env = env_for(demo_database_url, url, state)

    linked = link_business_3(tmp_path, env)
    synced = vaultra("stripe", "sync", "--business-id", "3", cwd=tmp_path, **env)

    assert linked.returncode == 0, linked.stderr
    assert synced.returncode == 0, synced.stderr
    assert f"{ACCOUNT}: synced (backfill)" in synced.stdout
    charges = len(state.accounts[ACCOUNT].lists["charges"])
    stored = scalar(
        demo_database_url,
        select(func.count()).select_from(Charge).where(Charge.stripe_id.like("ch_clisync%")),
    )
    assert stored == charges


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (
            ["--business-id", "999", "--account-id", ACCOUNT, "--access-token", "sk"],
            "No business 999",
        ),
        (["--business-id", "3", "--account-id", "not-an-account", "--access-token", "sk"], "acct_"),
        (["--business-id", "3", "--account-id", ACCOUNT, "--access-token", "  "], "access token"),
        (["--business-id", "0", "--account-id", ACCOUNT, "--access-token", "sk"], "business-id"),
    ],
)
def test_a_bad_link_is_one_line_and_writes_nothing(tmp_path, demo_database_url, args, named):
    error = one_line_error(
        vaultra("stripe", "link", *args, cwd=tmp_path, DATABASE_URL=demo_database_url)
    )

    assert named in error
    assert scalar(demo_database_url, select(func.count()).select_from(IntegrationAccount)) == 0


def test_syncing_a_business_without_stripe_is_one_line(tmp_path, demo_database_url):
    error = one_line_error(
        vaultra(
            "stripe", "sync", "--business-id", "3", cwd=tmp_path, DATABASE_URL=demo_database_url
        )
    )

    assert "no Stripe account" in error


def test_jobs_status_shows_each_jobs_last_run(tmp_path, demo_database_url):
    vaultra("jobs", "run", "compute_metrics", cwd=tmp_path, DATABASE_URL=demo_database_url)

    result = vaultra("jobs", "status", cwd=tmp_path, DATABASE_URL=demo_database_url)

    assert result.returncode == 0, result.stderr
    lines = {line.split("│")[1].strip(): line for line in result.stdout.splitlines() if "│" in line}
    assert "succeeded" in lines["compute_metrics"]
    assert "never" in lines["send_notification_digest"]


def test_two_processes_never_run_the_same_job_at_once(tmp_path, demo_database_url, stripe_api):
    url, state = stripe_api
    env = env_for(demo_database_url, url, state)
    link_business_3(tmp_path, env)
    state.delay_seconds = 0.2  # each page is slow, so the two runs overlap in time

    runs = [
        subprocess.Popen(
            [sys.executable, "-m", "vaultra_mcp.cli", "jobs", "run", "stripe_sync"],
            cwd=tmp_path,
            env={**CLEAN_ENV, **env},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [run.communicate(timeout=120)[0] for run in runs]

    assert sorted(o.split(":")[1].split()[0] for o in outputs) == ["skipped", "succeeded"]
    statuses = scalar(
        demo_database_url,
        select(func.count())
        .select_from(JobRun)
        .where(JobRun.job_name == "stripe_sync", JobRun.status == "skipped"),
    )
    assert statuses == 1


def test_sync_force_takes_over_the_lease_of_a_killed_sync(tmp_path, demo_database_url, stripe_api):
    url, state = stripe_api
    env = env_for(demo_database_url, url, state)
    link_business_3(tmp_path, env)
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )

    async def hold() -> None:
        deps = Deps.build(settings_for(demo_database_url))
        try:
            async with deps.db.transaction() as session:
                await session.execute(
                    update(IntegrationAccount).values(
                        sync_lease_until=datetime.now(UTC) + timedelta(minutes=10),
                        sync_lease_holder=f"{socket.gethostname()}:{gone.stdout.strip()}:feedface",
                    )
                )
        finally:
            await deps.close()

    asyncio.run(hold())

    waiting = vaultra("stripe", "sync", "--business-id", "3", cwd=tmp_path, **env)
    forced = vaultra("stripe", "sync", "--business-id", "3", "--force", cwd=tmp_path, **env)

    assert f"{ACCOUNT}: busy" in waiting.stdout and "--force" in waiting.stdout
    assert f"{ACCOUNT}: synced (backfill)" in forced.stdout, forced.stderr
    assert "rows written (backfill and events)" in forced.stdout

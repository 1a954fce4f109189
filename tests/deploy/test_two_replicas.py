"""Two real `vaultra serve` processes on one PostgreSQL database act as one service.

This is what the Kubernetes Deployment (2-10 replicas behind a Service) relies on: MCP is
stateless, so any replica may answer any request of one conversation; a webhook delivery is made
idempotent by the database, not by a process; and a job started in two places at once runs once,
because of the PostgreSQL advisory lock. PostgreSQL only: SQLite is one machine by nature.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import httpx2
import pytest
import stripe
from fastmcp import Client
from fastmcp.client.transports import StreamableHttpTransport
from sqlalchemy import select
from sqlalchemy.engine import make_url
from sqlmodel import col

from tests.api.conftest import WEBHOOK_SECRET, count
from tests.api.test_webhooks import ACCOUNT, BUSINESS, PATH, charge, event
from tests.cli.test_cli import CLEAN_ENV
from tests.conftest import seed_demo
from tests.databases import PG_ENV, PostgresTemplates
from tests.deploy.files import ROOT
from tests.factories import HASH_KEY, KNOWLEDGE_INDEX, settings_for
from vaultra_mcp.models import Business, Charge, IntegrationAccount, JobRun, StripeEvent
from vaultra_mcp.services.deps import Deps
from vaultra_mcp.services.identity import demo_token
from vaultra_mcp.services.secret_box import encrypt

pytestmark = pytest.mark.skipif(not os.environ.get(PG_ENV), reason=f"needs PostgreSQL ({PG_ENV})")

VAULTRA = Path(sys.executable).with_name("vaultra")  # the console script the image runs
DEVON = "devon@voltline.example"  # owns business 3, the business ACCOUNT is connected to
START_TIMEOUT = 30.0


class Replicas:
    """The base URLs of the running processes, and the environment they were started with."""

    def __init__(self, database_url: str, env: dict[str, str], ports: list[int]) -> None:
        self.database_url = database_url
        self.env = env
        self.ports = ports
        self.urls = [f"http://127.0.0.1:{port}" for port in ports]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_ready(process: subprocess.Popen[bytes], url: str, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"vaultra serve exited with {process.returncode}:\n{log.read_text()}")
        try:
            if httpx.get(f"{url}/readyz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    pytest.fail(
        f"vaultra serve was not ready at {url} within {START_TIMEOUT} s:\n{log.read_text()}"
    )


def stop(process: subprocess.Popen[Any]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture(scope="module")
def replicas(
    postgres_templates: PostgresTemplates | None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Replicas]:
    """A fresh demo database, and two `vaultra serve` processes on it, started as a container
    would start them (the console script, settings from the environment only)."""
    assert postgres_templates is not None
    database_url, drop = postgres_templates.copy("demo", seed_demo)
    workdir = tmp_path_factory.mktemp("replicas")  # no stray .env is read from the repository
    env = {
        **CLEAN_ENV,
        "DATABASE_URL": database_url,
        "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "VAULTRA_KNOWLEDGE_DIR": str(ROOT / "knowledge"),
        "VAULTRA_KNOWLEDGE_INDEX": str(KNOWLEDGE_INDEX),
        "VAULTRA_LOG_LEVEL": "WARNING",
    }
    ports = [free_port(), free_port()]
    processes: list[subprocess.Popen[bytes]] = []
    try:
        for port in ports:
            with (workdir / f"serve-{port}.log").open("wb") as log:
                processes.append(
                    subprocess.Popen(
                        [str(VAULTRA), "serve", "--host", "127.0.0.1", "--port", str(port)],
                        cwd=workdir,
                        env=env,
                        stdout=log,
                        stderr=subprocess.STDOUT,
                    )
                )
        for process, port in zip(processes, ports, strict=True):
            wait_until_ready(process, f"http://127.0.0.1:{port}", workdir / f"serve-{port}.log")
        yield Replicas(database_url, env, ports)
    finally:
        for process in processes:
            stop(process)
        drop()


@pytest.fixture
async def deps(replicas: Replicas) -> AsyncIterator[Deps]:
    """This test's own view of the replicas' database."""
    deps = Deps.build(settings_for(replicas.database_url))
    try:
        yield deps
    finally:
        await deps.close()


class RoundRobin(httpx2.AsyncBaseTransport):
    """A load balancer in the client. Tool calls take turns between the replicas, and so do
    the conversation's other requests (discovery, listings, notifications). Records which
    replica got each request: the tool's name for a tool call, else the JSON-RPC method."""

    def __init__(self, ports: list[int]) -> None:
        self.first = ports[0]
        self.for_tools = itertools.cycle(ports)
        self.for_others = itertools.cycle(ports)
        self.served: list[tuple[str, int]] = []
        self.inner = httpx2.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        port = self.first
        if request.method == "POST":
            message = json.loads(request.content)
            if message.get("method") == "tools/call":
                port = next(self.for_tools)
                self.served.append((message["params"]["name"], port))
            else:
                port = next(self.for_others)
                self.served.append((message.get("method", "response"), port))
        request.url = request.url.copy_with(port=port)
        request.headers["Host"] = f"127.0.0.1:{port}"
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()

    def replicas_of(self, name: str) -> list[int]:
        return [port for served, port in self.served if served == name]


@asynccontextmanager
async def conversation(replicas: Replicas) -> AsyncIterator[tuple[Client, RoundRobin]]:
    """One MCP client session (Devon's token) whose requests alternate between the replicas."""
    balancer = RoundRobin(replicas.ports)

    def factory(**options: Any) -> httpx2.AsyncClient:
        options.setdefault("timeout", httpx2.Timeout(30.0))
        return httpx2.AsyncClient(transport=balancer, **options)

    transport = StreamableHttpTransport(
        f"{replicas.urls[0]}/mcp",
        headers={"Authorization": f"Bearer {demo_token(HASH_KEY, DEVON, 7)}"},
        httpx_client_factory=factory,
    )
    async with Client(transport) as mcp:
        yield mcp, balancer


async def test_both_replicas_give_one_conversation_the_same_readiness(replicas: Replicas) -> None:
    """No session lives in a replica: a conversation begun on the first replica carries on on
    the second (the client's discovery, listing and calls alternate), and both compute the same
    answer from the shared database."""
    async with conversation(replicas) as (mcp, balancer):
        first = await mcp.call_tool("get_readiness_breakdown", {})
        second = await mcp.call_tool("get_readiness_breakdown", {})

    assert balancer.replicas_of("get_readiness_breakdown") == replicas.ports
    assert first.structured_content == second.structured_content


async def test_a_status_set_through_one_replica_is_what_the_other_reports_next(
    replicas: Replicas,
) -> None:
    async with conversation(replicas) as (mcp, balancer):
        listed = await mcp.call_tool("get_top_recommendations", {"limit": 1})
        (top,) = listed.structured_content["recommendations"]
        await mcp.call_tool(
            "update_recommendation_status", {"recommendation_id": top["id"], "status": "accepted"}
        )
        accepted = await mcp.call_tool("get_top_recommendations", {"status": "accepted"})

    (wrote,) = balancer.replicas_of("update_recommendation_status")
    read = balancer.replicas_of("get_top_recommendations")[-1]
    assert wrote != read
    assert [r["id"] for r in accepted.structured_content["recommendations"]] == [top["id"]]


async def test_one_webhook_delivered_to_both_replicas_at_once_is_applied_once(
    replicas: Replicas, deps: Deps
) -> None:
    """Stripe retries, and a load balancer may send a retry to another replica while the first
    delivery is still in flight: one stored event, one charge, one recompute."""
    async with deps.db.transaction() as session:
        session.add(
            IntegrationAccount(
                business_id=BUSINESS,
                external_account_id=ACCOUNT,
                access_token_encrypted=encrypt(deps.settings, "sk_test_account"),
                connected_at=deps.clock.now(),
            )
        )
    before = await payments_version(deps)
    payload = json.dumps(event("charge.succeeded", charge(), event_id="evt_replicas"))
    signature = stripe.WebhookSignature.generate_signature_header(
        payload, WEBHOOK_SECRET, int(time.time())
    )
    headers = {"Stripe-Signature": signature, "Content-Type": "application/json"}

    async with httpx.AsyncClient() as http:
        responses = await asyncio.gather(
            *(http.post(f"{url}{PATH}", content=payload, headers=headers) for url in replicas.urls)
        )

    assert [r.status_code for r in responses] == [200, 200]
    assert sorted(r.json()["status"] for r in responses) == ["duplicate", "processed"]
    assert await count(deps, StripeEvent, col(StripeEvent.event_id) == "evt_replicas") == 1
    assert await count(deps, Charge, col(Charge.stripe_id) == "ch_hook001") == 1
    assert await payments_version(deps) == before + 1


async def payments_version(deps: Deps) -> int:
    async with deps.db.sessions() as session:
        query = select(Business.payments_version).where(col(Business.id) == BUSINESS)
        return int((await session.execute(query)).scalar_one())


async def test_a_job_started_beside_each_replica_at_the_same_moment_runs_once(
    replicas: Replicas, deps: Deps
) -> None:
    """Two CronJob pods (or two schedulers) firing together. job_runs is locked while both
    start, so both are provably inside `run_job` at once, past the advisory lock and waiting
    to record their run; then one runs and the other records that it skipped."""
    dsn = make_url(replicas.database_url).set(drivername="postgresql")
    gate = await asyncpg.connect(dsn.render_as_string(hide_password=False))
    runs: list[subprocess.Popen[str]] = []
    try:
        transaction = gate.transaction()
        await transaction.start()
        await gate.execute("LOCK TABLE job_runs IN ACCESS EXCLUSIVE MODE")
        runs = [
            subprocess.Popen(
                [str(VAULTRA), "jobs", "run", "compute_metrics"],
                env=replicas.env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
            for _ in replicas.ports
        ]
        await both_waiting_on_job_runs(gate, runs)
        await transaction.commit()
        outputs = [run.communicate(timeout=60)[0] for run in runs]
    finally:
        for run in runs:
            if run.poll() is None:
                stop(run)
        await gate.close()

    assert sorted(o.split(":")[1].split()[0] for o in outputs) == ["skipped", "succeeded"], outputs
    async with deps.db.sessions() as session:
        statuses = await session.execute(
            select(JobRun.status).where(col(JobRun.pid).in_([run.pid for run in runs]))
        )
        assert sorted(statuses.scalars()) == ["skipped", "succeeded"]


async def both_waiting_on_job_runs(
    gate: asyncpg.Connection, runs: list[subprocess.Popen[str]]
) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    waiting = "SELECT count(*) FROM pg_locks WHERE NOT granted AND relation = 'job_runs'::regclass"
    while await gate.fetchval(waiting) < len(runs):
        finished = [run for run in runs if run.poll() is not None]
        assert not finished, finished[0].communicate()[0]
        assert time.monotonic() < deadline, "the job processes never reached job_runs"
        await asyncio.sleep(0.05)

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from tests.databases import PG_ENV, PostgresTemplates, SqliteTemplates, backends
from tests.factories import AS_OF, settings_for
from tests.fakes.fixtures import google_fake, ollama_fake, openai_fake, pinecone_fake
from vaultra_mcp.clock import FixedClock
from vaultra_mcp.demo.loader import load_demo
from vaultra_mcp.jobs import run_job
from vaultra_mcp.services.deps import Deps


async def seed_demo(deps: Deps) -> None:
    await load_demo(deps, businesses=6, seed=7)
    for name in ("compute_metrics", "compute_readiness", "generate_recommendations"):
        await run_job(deps, name)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--real-models",
        action="store_true",
        help="Run the model-provider evals against the real OpenAI / Ollama models the "
        "environment configures, instead of their fakes.",
    )


__all__ = ["google_fake", "ollama_fake", "openai_fake", "pinecone_fake"]  # fakes of external APIs

SEEDS = {"empty": None, "demo": seed_demo}


@pytest.fixture(scope="session")
def sqlite_templates(tmp_path_factory: pytest.TempPathFactory) -> SqliteTemplates:
    return SqliteTemplates(tmp_path_factory.mktemp("templates"))


@pytest.fixture(scope="session")
def postgres_templates() -> Iterator[PostgresTemplates | None]:
    import os

    url = os.environ.get(PG_ENV)
    if not url:
        yield None
        return
    templates = PostgresTemplates(url)
    yield templates
    templates.cleanup()


def _database(request: pytest.FixtureRequest, kind: str, tmp_path: Path) -> Iterator[str]:
    backend = request.param
    if backend == "sqlite":
        templates: SqliteTemplates = request.getfixturevalue("sqlite_templates")
        yield templates.copy(kind, SEEDS[kind], tmp_path / "test.db")
        return
    pg: PostgresTemplates | None = request.getfixturevalue("postgres_templates")
    assert pg is not None
    url, drop = pg.copy(kind, SEEDS[kind])
    try:
        yield url
    finally:
        drop()


@pytest.fixture(params=backends())
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated, empty database of each backend under test."""
    yield from _database(request, "empty", tmp_path)


@pytest.fixture(params=backends())
def demo_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database holding the six demo businesses, scored as of AS_OF."""
    yield from _database(request, "demo", tmp_path)


async def _deps(url: str) -> AsyncIterator[Deps]:
    deps = Deps.build(settings_for(url), clock=FixedClock(AS_OF))
    try:
        yield deps
    finally:
        await deps.close()


@pytest.fixture
async def deps(database_url: str) -> AsyncIterator[Deps]:
    async for d in _deps(database_url):
        yield d


@pytest.fixture
async def demo_deps(demo_database_url: str) -> AsyncIterator[Deps]:
    async for d in _deps(demo_database_url):
        yield d


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> Iterator[None]:
    """A run without a browser must say so where nobody can miss it: last, in red."""
    from tests.web.conftest import browser_unavailable

    yield
    reason = browser_unavailable()
    if reason is not None:
        terminalreporter.write_sep("!", f"BROWSER TESTS SKIPPED: {reason}", red=True, bold=True)

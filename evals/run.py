"""Entry points behind ``vaultra eval``: build the fixture, run or lint, write reports."""

from __future__ import annotations

import json
import logging
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console

from evals.agents import agent_factory
from evals.case import CASES, load_suite
from evals.fixtures import build_fixture, fixture_settings
from evals.lint import lint_case
from evals.reports import regressions, summarize, write
from evals.runner import Runner
from evals.transports import Connector, Transport
from vaultra_mcp.progress import progress
from vaultra_mcp.settings import Settings, load_settings

console = Console(stderr=True)


async def run_suite(
    suite: Path | None,
    tags: str,
    agent_spec: str,
    transport: Transport,
    url: str | None,
    trials: int | None,
    out: Path,
    baseline: Path | None,
) -> int:
    logging.getLogger("fastmcp").setLevel(logging.ERROR)  # invalid arguments are scored, not logged
    wanted = {t.strip() for t in tags.split(",") if t.strip()}
    cases = load_suite(suite or CASES, wanted or None)
    with fixture_for(url) as settings:
        await build_fixture(settings)
        async with Connector(settings, transport, url) as connector:
            runner = Runner(connector, agent_factory(agent_spec, settings), trials)
            try:
                with progress() as bar:
                    task = bar.add_task(f"{len(cases)} cases", total=len(cases))
                    results = await runner.run(cases, lambda: bar.advance(task))
            finally:
                await runner.close()
    run = {
        "agent": agent_spec,
        "transport": transport,
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "trials": len(results),
    }
    summary = summarize(cases, results, run)
    write(out, results, summary)
    m = summary["metrics"]
    console.print(
        f"{m['cases_passed']}/{m['cases']} cases passed, pass^k {m['pass_hat_k']}, "
        f"tool F1 {m['tool_f1']}, answers ok {m['answer_ok']}; reports in {out}/"
    )
    failed = [c for c in summary["cases"] if not c["passed"]]
    for case in failed:
        console.print(f"[red]FAIL[/red] {case['id']}: {'; '.join(case['failures'])[:300]}")
    found = regressions(summary, json.loads(baseline.read_text())) if baseline else []
    for line in found:
        console.print(f"[red]REGRESSION[/red] {line}")
    return 1 if failed or found else 0


@contextmanager
def fixture_for(url: str | None) -> Iterator[Settings]:
    """A fresh fixture database for this run; or, against a running server (``--url``), the
    server's own database and secrets, read from the same environment (``DATABASE_URL``,
    ``JWT_SECRET``), where the fixture is added if missing."""
    if url is not None:
        yield load_settings()
        return
    with tempfile.TemporaryDirectory(prefix="vaultra-eval-") as tmp:
        yield fixture_settings(Path(tmp) / "fixture.db")


async def lint_suite(suite: Path | None) -> int:
    cases = load_suite(suite or CASES)
    problems = 0
    with tempfile.TemporaryDirectory(prefix="vaultra-eval-") as tmp:
        settings = fixture_settings(Path(tmp) / "fixture.db")
        await build_fixture(settings)
        async with Connector(settings, "memory") as connector:
            runner = Runner(connector, agent_factory("offline", settings))
            try:
                for case in cases:
                    for problem in await lint_case(runner, case):
                        problems += 1
                        console.print(f"[red]{case.id}[/red]: {problem}")
            finally:
                await runner.close()
    console.print(f"{len(cases)} cases linted, {problems} problems")
    return 1 if problems else 0

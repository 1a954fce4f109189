"""The OpenAI and Ollama providers run the owner-question suite through their official clients.

In CI each API is a fake on 127.0.0.1 with a stand-in model behind it (the offline planner over
the API's wire format), so every case must come out exactly as it does for the offline
assistant: a difference is the provider's plumbing (tool specs, tool calls, tool results as
text, streaming). With ``--real-models`` the same suite runs against the models the environment
configures (``OPENAI_API_KEY`` / ``OPENAI_MODEL``, ``OLLAMA_HOST`` / ``OLLAMA_MODEL``), and the
case-by-case comparison with the offline assistant is written beside the reports.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from evals.agents import agent_factory
from evals.case import load_suite
from evals.fixtures import build_fixture, fixture_settings
from evals.reports import compare, comparison_markdown, summarize
from evals.runner import Runner, Trial
from evals.transports import Connector
from tests.evals.stand_in import ollama_stand_in, openai_stand_in

SUITE_TAG = "owner"


@pytest.fixture(scope="module")
def fixture_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import asyncio

    database = tmp_path_factory.mktemp("eval") / "fixture.db"
    asyncio.run(build_fixture(fixture_settings(database)))
    return database


async def run(agent: str, database: Path, trials: int | None) -> tuple[dict[str, Any], list[Trial]]:
    """The owner suite with ``agent``, over memory, on the shared fixture database."""
    settings = fixture_settings(database)
    cases = load_suite(tags={SUITE_TAG})
    async with Connector(settings, "memory") as connector:
        runner = Runner(connector, agent_factory(agent, settings), trials)
        try:
            trials_run = await runner.run(cases, lambda: None)
        finally:
            await runner.close()
    return summarize(cases, trials_run, {"agent": agent}), trials_run


@pytest.fixture(scope="module")
def offline_run(fixture_db: Path) -> tuple[dict[str, Any], list[Trial]]:
    """The offline assistant's scores, once for both providers to be compared with."""
    import asyncio

    return asyncio.run(run("offline", fixture_db, trials=1))


def trajectories(trials: list[Trial]) -> dict[str, Any]:
    return {t.case_id: [(c["name"], c["arguments"]) for c in t.calls] for t in trials}


@pytest.mark.timeout(600)  # a whole suite through an HTTP client: minutes on a busy machine
@pytest.mark.parametrize("provider", ["openai", "ollama"])
async def test_a_model_provider_scores_each_owner_case_as_the_offline_assistant_does(
    provider, request, monkeypatch, fixture_db, offline_run
):
    if request.config.getoption("--real-models"):
        pytest.skip("--real-models: the comparison test below runs instead")
    fake = request.getfixturevalue(f"{provider}_fake")
    fake.state.responder = openai_stand_in if provider == "openai" else ollama_stand_in
    if provider == "openai":
        monkeypatch.setenv("OPENAI_BASE_URL", f"{fake.url}/v1")
        monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    else:
        monkeypatch.setenv("OLLAMA_HOST", fake.url)

    offline, offline_trials = offline_run
    model, model_trials = await run(provider, fixture_db, trials=1)

    assert [r for r in compare(offline, model) if not r["same"]] == []
    assert trajectories(model_trials) == trajectories(offline_trials)
    assert model["metrics"]["cases"] == offline["metrics"]["cases"] >= 40
    assert fake.state.bodies("/v1/chat/completions" if provider == "openai" else "/api/chat")


@pytest.mark.timeout(3600)
@pytest.mark.parametrize("provider", ["openai", "ollama"])
async def test_a_real_model_runs_the_owner_suite_beside_the_offline_assistant(
    provider, request, fixture_db, tmp_path
):
    if not request.config.getoption("--real-models"):
        pytest.skip("needs --real-models (and the model's settings in the environment)")
    offline, _ = await run("offline", fixture_db, trials=None)
    model, model_trials = await run(provider, fixture_db, trials=None)
    report = comparison_markdown(offline, model)
    (tmp_path / "comparison.md").write_text(report)
    print(report)  # noqa: T201 (the figures are the point of this run)

    errors = [t.error for t in model_trials if t.error]
    assert errors == [], errors[:3]

"""The agent eval suite: the offline agent passes the smoke suite reliably over memory and stdio,
and each deliberately broken agent is caught by the metric made for its fault."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from evals.agents import agent_factory
from evals.case import CASES, load_case, load_suite
from evals.fixtures import build_fixture, fixture_settings
from evals.lint import lint_case
from evals.reports import regressions, summarize, write
from evals.run import run_suite
from evals.runner import Runner, Trial
from evals.transports import Connector, Transport

HERE = Path(__file__).parent


@pytest.fixture(scope="module")
def fixture_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import asyncio

    database = tmp_path_factory.mktemp("eval") / "fixture.db"
    asyncio.run(build_fixture(fixture_settings(database)))
    return database


async def run_cases(
    database: Path,
    case_ids: list[str],
    agent: str,
    transport: Transport = "memory",
    trials: int = 1,
) -> list[Trial]:
    settings = fixture_settings(database)
    cases = [load_case(CASES / f"{case_id}.yaml") for case_id in case_ids]
    async with Connector(settings, transport) as connector:
        runner = Runner(connector, agent_factory(agent, settings), trials)
        try:
            return await runner.run(cases, lambda: None)
        finally:
            await runner.close()


def test_the_suite_has_the_cases_the_design_asks_for():
    cases = load_suite()
    agent = [c for c in cases if c.kind == "agent"]
    tags = {t for c in cases for t in c.tags}

    assert len(agent) >= 50 and len(cases) - len(agent) >= 20
    assert {"knowledge", "irrelevant", "tenancy", "two-business", "whatif", "multi-tool"} <= tags
    tools_covered = {c.call.name for c in cases if c.call} | {
        e.name for c in agent for e in c.expect.tools.calls
    }
    assert len(tools_covered) == 9


@pytest.mark.parametrize("transport", ["memory", "stdio"])
async def test_the_offline_agent_passes_the_smoke_suite_three_times_the_same_way(
    transport, tmp_path
):
    code = await run_suite(
        suite=None,
        tags="smoke",
        agent_spec="offline",
        transport=transport,
        url=None,
        trials=3,
        out=tmp_path,
        baseline=None,
    )

    summary = json.loads((tmp_path / "summary.json").read_text())
    assert code == 0
    assert summary["metrics"]["pass_hat_k"] == 1.0
    assert all(c["identical_trajectories"] for c in summary["cases"])
    assert {p.name for p in tmp_path.iterdir()} == {
        "trials.jsonl",
        "summary.json",
        "summary.md",
        "junit.xml",
    }


@pytest.mark.parametrize(
    ("agent", "case_id", "caught_by"),
    [
        ("WrongTool", "readiness.hurting.chargeback_shop", lambda s: s.tool_recall < 1),
        ("WrongArgument", "metrics.sales_12m.chargeback_shop", lambda s: s.arg_accuracy < 1),
        ("InventedNumber", "readiness.hurting.chargeback_shop", lambda s: not s.answer_ok),
        ("CallsOnIrrelevant", "irrelevant.1", lambda s: not s.abstain_ok),
        ("CrossTenantAnswer", "tenancy.cross.1", lambda s: not s.answer_ok),
        ("Crashes", "readiness.hurting.chargeback_shop", lambda s: not s.success),
    ],
)
async def test_a_broken_agent_is_caught_by_the_matching_metric(
    fixture_db, agent, case_id, caught_by
):
    (trial,) = await run_cases(fixture_db, [case_id], f"python:tests.evals.broken_agents:{agent}")

    assert caught_by(trial.score)
    assert not trial.score.success


async def test_an_invented_number_is_named_in_the_failure(fixture_db):
    (trial,) = await run_cases(
        fixture_db,
        ["readiness.hurting.chargeback_shop"],
        "python:tests.evals.broken_agents:InventedNumber",
    )

    assert any("73219" in f and "4.9" in f for f in trial.score.failures)


async def test_an_agent_in_another_process_speaks_json_lines(fixture_db):
    command = f"cmd:{sys.executable} {HERE / 'jsonl_agent.py'}"

    (trial,) = await run_cases(fixture_db, ["readiness.hurting.chargeback_shop"], command)

    assert trial.score.success, trial.score.failures
    assert [c["name"] for c in trial.calls] == ["get_readiness_breakdown"]


async def test_the_linter_flags_a_case_whose_gold_number_is_unreachable(fixture_db, tmp_path):
    case = load_case(CASES / "readiness.hurting.chargeback_shop.yaml")
    case.expect.answer.must_include_any = [["987654"]]
    settings = fixture_settings(fixture_db)
    async with Connector(settings, "memory") as connector:
        runner = Runner(connector, agent_factory("offline", settings))
        try:
            problems = await lint_case(runner, case)
        finally:
            await runner.close()

    assert problems == ["no option of ['987654'] is reachable from the expected calls"]


async def test_a_case_that_passed_in_the_baseline_and_fails_now_is_a_regression(
    fixture_db, tmp_path
):
    ids = ["readiness.hurting.chargeback_shop"]
    cases = [load_case(CASES / f"{i}.yaml") for i in ids]
    good = summarize(cases, await run_cases(fixture_db, ids, "offline"), {"agent": "offline"})
    bad_trials = await run_cases(fixture_db, ids, "python:tests.evals.broken_agents:WrongTool")
    bad = summarize(cases, bad_trials, {"agent": "broken", "transport": "memory", "trials": 1})
    write(tmp_path, bad_trials, bad)

    assert regressions(bad, good) == [
        "readiness.hurting.chargeback_shop passed in the baseline and fails now",
        "pass^k fell from 1.0 to 0.0",
    ]
    assert "<failure" in (tmp_path / "junit.xml").read_text()


async def test_over_streamable_http_the_same_case_passes(fixture_db):
    (trial,) = await run_cases(
        fixture_db, ["readiness.hurting.chargeback_shop"], "offline", transport="http"
    )

    assert trial.score.success, trial.score.failures


@pytest.mark.parametrize(
    ("verdict", "expected"), [("PASS", "pass"), ("FAIL", "fail"), ("Probably fine", "inconclusive")]
)
async def test_a_real_models_judge_verdict_is_recorded_and_unclear_is_inconclusive(
    fixture_db, openai_fake, verdict, expected
):
    from tests.fakes.openai_api import assistant_message, tool_call

    openai_fake.state.script = [
        assistant_message(tool_calls=[tool_call("get_readiness_breakdown", {})]),
        assistant_message("You score 74/100; dispute activity hurts most: 0/20 points at 2.19%."),
        assistant_message(verdict),
    ]
    settings = fixture_settings(
        fixture_db,
        llm={
            "provider": "openai",
            "openai_base_url": f"{openai_fake.url}/v1",
            "openai_api_key": "sk-test",
        },
    )
    case = load_case(CASES / "readiness.hurting.chargeback_shop.yaml")
    async with Connector(settings, "memory") as connector:
        runner = Runner(connector, agent_factory("openai", settings), 1)
        try:
            (trial,) = await runner.run([case], lambda: None)
        finally:
            await runner.close()

    assert trial.score.judge == expected
    assert trial.score.success is (expected != "fail")

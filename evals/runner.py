"""Running a suite: every case, every trial, one fresh agent per trial, every call recorded."""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from typing import Any

from evals.agents import AgentFactory, LoopAgent
from evals.case import Case
from evals.fixtures import eval_email, user_id
from evals.metrics import TrialScore, score_tool_case, score_trial
from evals.toolbox import ToolBox
from evals.transports import Connector
from vaultra_mcp.agent.messages import ChatMessage
from vaultra_mcp.agent.session import ToolSession

WRITES = "update_recommendation_status"


@dataclass
class Trial:
    case_id: str
    trial: int
    calls: list[dict[str, Any]]
    answers: list[str]
    score: TrialScore
    error: str | None = None

    def record(self) -> dict[str, Any]:
        return {
            "case": self.case_id,
            "trial": self.trial,
            "tool_calls": self.calls,
            "answers": self.answers,
            "error": self.error,
            **self.score.as_dict(),
        }

    @property
    def trajectory(self) -> list[Any]:
        return [(c["name"], c["arguments"], c["result_hash"]) for c in self.calls] + self.answers


def run_order(cases: list[Case]) -> list[Case]:
    """Cases that change data run last, so they cannot change what the others read."""

    def writes(case: Case) -> bool:
        named = [c.name for c in case.expect.tools.calls] + ([case.call.name] if case.call else [])
        return WRITES in named

    return sorted(cases, key=writes)


@dataclass
class Runner:
    connector: Connector
    agent: AgentFactory
    trials_override: int | None = None
    sessions: dict[str, ToolSession] = field(default_factory=dict)
    stack: AsyncExitStack = field(default_factory=AsyncExitStack)

    async def session(self, case: Case) -> ToolSession:
        """One session per fixture user for the whole run, opened on its first case."""
        email = case.fixture.user or eval_email(case.fixture.business or "")
        if email not in self.sessions:
            uid = await user_id(self.connector.settings, email)
            self.sessions[email] = await self.stack.enter_async_context(self.connector.session(uid))
        return self.sessions[email]

    async def close(self) -> None:
        await self.stack.aclose()

    async def run(self, cases: list[Case], advance: Callable[[], None]) -> list[Trial]:
        trials = []
        for case in run_order(cases):
            session = await self.session(case)
            for n in range(self.trials_override or case.trials):
                runner = self._tool_trial if case.kind == "tool" else self._agent_trial
                trials.append(await runner(case, session, n))
            advance()
        return trials

    async def _tool_trial(self, case: Case, session: ToolSession, n: int) -> Trial:
        assert case.call is not None
        box = ToolBox(session)
        await box.call(case.call.name, case.call.args)
        score = score_tool_case(case, box.calls[0])
        return Trial(case.id, n, [c.record() for c in box.calls], [], score)

    async def _agent_trial(self, case: Case, session: ToolSession, n: int) -> Trial:
        box = ToolBox(session)
        schemas = {t.name: t.input_schema for t in await session.tools()}
        agent = self.agent()
        answers: list[str] = []
        tokens, error, verdict = 0, None, "skipped"
        started = time.perf_counter()
        try:
            for turn, message in enumerate(case.turns):
                box.turn = turn
                reply = await agent.turn(message, box)
                answers.append(reply.text)
                tokens += reply.usage.total
            latency = (time.perf_counter() - started) * 1000 / len(case.turns)
            verdict = await judge(agent, case, answers)
        except Exception as exc:  # a broken agent is a failed trial, not a crashed run
            error = f"{type(exc).__name__}: {exc}"
            latency = (time.perf_counter() - started) * 1000
        finally:
            await agent.close()
        final = answers[-1] if answers else ""
        score = score_trial(case, box.calls, final, schemas, latency, tokens, verdict)
        if error is not None:
            score.success = False
            score.failures.append(error)
        return Trial(case.id, n, [c.record() for c in box.calls], answers, score, error)


async def judge(agent: object, case: Case, answers: list[str]) -> str:
    """A rubric graded by the agent's own model, when it has one; an answer that is neither
    PASS nor FAIL is ``inconclusive`` (reported, never scored as a failure)."""
    rubric = case.expect.answer.judge
    if rubric is None or not isinstance(agent, LoopAgent) or not agent.provider.external:
        return "skipped"
    prompt = (
        f"Rubric: {rubric}\nQuestion: {case.turns[-1]}\nAnswer: {answers[-1] if answers else ''}\n"
        "Does the answer meet the rubric? Reply with exactly PASS or FAIL."
    )
    try:
        reply = await agent.provider.complete([ChatMessage("user", prompt)], [])
    except Exception:
        return "inconclusive"
    word = reply.content.strip().upper()
    return "pass" if word == "PASS" else "fail" if word == "FAIL" else "inconclusive"

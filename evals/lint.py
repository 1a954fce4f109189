"""``vaultra eval lint``: no case may be unpassable.

Every expected call is replayed against the server as the case's user (arguments built from the
constraints); each must name a listed tool with arguments its schema accepts. Every figure a
case requires in the answer must appear in those replayed outputs, every document it must cite
must come back from a replayed search, and every tool case must already pass.
"""

from __future__ import annotations

import jsonschema

from evals.case import Case
from evals.constraints import replay_args
from evals.grounding import numbers, ungrounded
from evals.metrics import score_tool_case
from evals.runner import Runner
from evals.toolbox import ToolBox


async def lint_case(runner: Runner, case: Case) -> list[str]:
    session = await runner.session(case)
    schemas = {t.name: t.input_schema for t in await session.tools()}
    box = ToolBox(session)
    problems: list[str] = []
    if case.kind == "tool":
        assert case.call is not None
        await box.call(case.call.name, case.call.args)
        return score_tool_case(case, box.calls[0]).failures
    for expected in case.expect.tools.calls:
        args = replay_args(expected.args)
        if expected.name not in schemas:
            problems.append(f"expects unknown tool {expected.name}")
            continue
        errors = list(jsonschema.Draft202012Validator(schemas[expected.name]).iter_errors(args))
        if errors:
            problems.append(f"{expected.name}: replayed arguments invalid: {errors[0].message}")
            continue
        await box.call(expected.name, args)
    outputs = [c.summary for c in box.calls] + [c.structured for c in box.calls]
    for group in case.expect.answer.must_include_any:
        if not any(not numbers(option) or not ungrounded(option, outputs) for option in group):
            problems.append(f"no option of {group} is reachable from the expected calls")
    text = " ".join(str(o) for o in outputs)
    problems += [
        f"cited document {doc} never comes back from the expected calls"
        for doc in case.expect.answer.cites
        if doc not in text
    ]
    return problems

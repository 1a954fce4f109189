"""An eval case (schema ``vaultra-eval/v1``): one YAML file, one scripted conversation or call.

``kind: agent`` cases give user turns and what the agent's tool calls and answer must look
like; ``kind: tool`` cases call one tool directly and check the structured result (the
server's contract). An argument constraint is a literal, ``null`` (must be omitted),
``{one_of: [...]}``, ``{range: [lo, hi]}`` or ``{regex: ..., example: ...}``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

SCHEMA = "vaultra-eval/v1"
CASES = Path(__file__).parent / "cases"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ExpectedCall(Strict):
    name: str
    args: dict[str, Any] = Field(default_factory=dict)


class ToolExpectation(Strict):
    mode: Literal["exact", "in_order", "any_order", "none"] = "any_order"
    calls: list[ExpectedCall] = Field(default_factory=list)
    forbidden: list[str] = Field(default_factory=list)
    max_calls: int | None = None

    @model_validator(mode="after")
    def none_means_no_calls(self) -> ToolExpectation:
        if self.mode == "none" and self.calls:
            raise ValueError("mode none expects no calls")
        return self


class AnswerExpectation(Strict):
    must_include_any: list[list[str]] = Field(default_factory=list)
    must_not_include: list[str] = Field(default_factory=list)
    grounded_numbers: bool = True
    cites: list[str] = Field(default_factory=list)
    judge: str | None = None


class Limits(Strict):
    latency_ms: float | None = None
    tool_errors: int | None = None
    tokens: int | None = None


class AgentExpect(Strict):
    tools: ToolExpectation = Field(default_factory=ToolExpectation)
    answer: AnswerExpectation = Field(default_factory=AnswerExpectation)
    limits: Limits = Field(default_factory=Limits)


class ResultExpectation(Strict):
    is_error: bool = False
    error: str | None = None
    fields: dict[str, Any] = Field(default_factory=dict)  # path -> constraint


class Fixture(Strict):
    """Whose credentials the agent runs with: a demo business's own single-business user, or a
    demo user by email (Maya has two businesses)."""

    business: str | None = None
    user: str | None = None

    @model_validator(mode="after")
    def exactly_one(self) -> Fixture:
        if (self.business is None) == (self.user is None):
            raise ValueError("fixture needs exactly one of business and user")
        return self


class Case(Strict):
    schema_: Literal["vaultra-eval/v1"] = Field(alias="schema")
    id: str
    kind: Literal["agent", "tool"]
    tags: list[str] = Field(default_factory=list)
    description: str = ""
    fixture: Fixture
    trials: int = Field(3, ge=1, le=20)
    turns: list[str] = Field(default_factory=list)
    expect: AgentExpect = Field(default_factory=AgentExpect)
    call: ExpectedCall | None = None
    result: ResultExpectation = Field(default_factory=ResultExpectation)
    path: Path | None = Field(None, exclude=True)

    @model_validator(mode="after")
    def shape_matches_kind(self) -> Case:
        if self.kind == "agent" and not self.turns:
            raise ValueError("an agent case needs turns")
        if self.kind == "tool" and self.call is None:
            raise ValueError("a tool case needs call")
        return self


def load_case(path: Path) -> Case:
    raw = yaml.safe_load(path.read_text())
    case = Case.model_validate(raw)
    case.path = path
    return case


def load_suite(suite: Path = CASES, tags: set[str] | None = None) -> list[Case]:
    """Every case under ``suite`` (a file or a directory), keeping those with any of ``tags``."""
    files = [suite] if suite.is_file() else sorted(suite.rglob("*.yaml"))
    cases = [load_case(p) for p in files]
    ids = [c.id for c in cases]
    duplicated = {i for i in ids if ids.count(i) > 1}
    if duplicated:
        raise ValueError(f"duplicate case ids: {', '.join(sorted(duplicated))}")
    return [c for c in cases if not tags or tags & set(c.tags)]

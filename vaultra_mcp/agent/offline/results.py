"""What the answer writers read and build: tool results, sections of an answer, sources."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Result:
    """One tool's outcome as the planner reads it back from the conversation."""

    name: str
    arguments: dict[str, Any]
    is_error: bool
    summary: str
    data: dict[str, Any]


@dataclass(frozen=True)
class Source:
    """A public page (title and url) or a Vaultra knowledge document an answer rests on."""

    title: str
    url: str
    doc: str | None = None  # a knowledge document: vaultra://knowledge/{doc}

    def line(self) -> str:
        return f"- {self.title} ({self.url})" + (f" [doc: {self.doc}]" if self.doc else "")


@dataclass
class Section:
    """One step's part of the answer: its lines (the direct answer first), a next step, and
    the sources it rests on."""

    lines: list[str]
    next_step: str | None = None
    sources: list[Source] = field(default_factory=list)


def table(d: dict[str, Any], name: str) -> list[dict[str, Any]]:
    """A result's table (a ``columns`` list and rows in that order) as one dict per row."""
    return [dict(zip(d["columns"], row, strict=True)) for row in d[name]]


def label(key: str) -> str:
    """``dscr_1_15`` -> ``dscr 1.15``: keys as words, numbers kept whole."""
    return re.sub(r"(\d)_(\d)", r"\1.\2", key).replace("_", " ")

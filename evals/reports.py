"""What a run leaves behind: trials.jsonl, summary.json, summary.md and junit.xml."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

from evals.case import Case
from evals.metrics import median, pass_at_k, pass_hat_k, percentile
from evals.runner import Trial

RATE_METRICS = (
    "schema_valid_rate",
    "tool_precision",
    "tool_recall",
    "tool_f1",
    "order_ok",
    "arg_accuracy",
    "abstain_ok",
    "answer_ok",
    "success",
)
COUNT_METRICS = ("forbidden_hits", "tool_errors", "calls", "redundant_calls", "tokens")


@dataclass(frozen=True)
class CaseSummary:
    id: str
    kind: str
    tags: list[str]
    trials: int
    successes: int
    pass_hat_k: float
    pass_at_k: float
    identical_trajectories: bool
    judge: dict[str, int]
    failures: list[str]

    @property
    def passed(self) -> bool:
        return self.successes == self.trials


def summarize_case(case: Case, trials: list[Trial]) -> CaseSummary:
    n, c = len(trials), sum(t.score.success for t in trials)
    verdicts = [t.score.judge for t in trials]
    failures = sorted({f for t in trials for f in t.score.failures})
    return CaseSummary(
        id=case.id,
        kind=case.kind,
        tags=case.tags,
        trials=n,
        successes=c,
        pass_hat_k=pass_hat_k(n, c, n),
        pass_at_k=pass_at_k(n, c, n),
        identical_trajectories=all(t.trajectory == trials[0].trajectory for t in trials),
        judge={v: verdicts.count(v) for v in sorted(set(verdicts))},
        failures=failures,
    )


def summarize(cases: list[Case], trials: list[Trial], run: dict[str, Any]) -> dict[str, Any]:
    by_case = {c.id: [t for t in trials if t.case_id == c.id] for c in cases}
    summaries = [summarize_case(c, by_case[c.id]) for c in cases if by_case[c.id]]
    scores = [t.score for t in trials]
    agent_scores = [t.score for t in trials if _kind(cases, t.case_id) == "agent"]
    metrics: dict[str, Any] = {
        name: round(sum(float(getattr(s, name)) for s in agent_scores) / len(agent_scores), 4)
        if agent_scores
        else None
        for name in RATE_METRICS
    }
    metrics.update({name: sum(getattr(s, name) for s in scores) for name in COUNT_METRICS})
    latencies = [s.latency_ms for s in agent_scores]
    verdicts = [s.judge for s in scores]
    metrics.update(
        {
            "latency_p50_ms": round(median(latencies), 2),
            "latency_p95_ms": round(percentile(latencies, 95), 2),
            "judge": {v: verdicts.count(v) for v in sorted(set(verdicts))},
            "pass_hat_k": round(sum(s.pass_hat_k for s in summaries) / len(summaries), 4),
            "pass_at_k": round(sum(s.pass_at_k for s in summaries) / len(summaries), 4),
            "cases_passed": sum(s.passed for s in summaries),
            "cases": len(summaries),
        }
    )
    return {
        "run": run,
        "metrics": metrics,
        "cases": [{**s.__dict__, "passed": s.passed} for s in summaries],
    }


def _kind(cases: list[Case], case_id: str) -> str:
    return next(c.kind for c in cases if c.id == case_id)


def regressions(summary: dict[str, Any], baseline: dict[str, Any]) -> list[str]:
    """Cases that passed in the baseline and fail now, and a lower overall pass^k."""
    now = {c["id"]: c for c in summary["cases"]}
    found = [
        f"{case['id']} passed in the baseline and fails now"
        for case in baseline["cases"]
        if case["passed"] and case["id"] in now and not now[case["id"]]["passed"]
    ]
    if summary["metrics"]["pass_hat_k"] < baseline["metrics"]["pass_hat_k"]:
        found.append(
            f"pass^k fell from {baseline['metrics']['pass_hat_k']} to "
            f"{summary['metrics']['pass_hat_k']}"
        )
    return found


def compare(first: dict[str, Any], second: dict[str, Any]) -> list[dict[str, Any]]:
    """Two runs case by case (the offline assistant and a model, say): every case both ran,
    with each run's pass^k; the cases where they disagree first."""
    theirs = {c["id"]: c for c in second["cases"]}
    rows = [
        {
            "id": c["id"],
            "first": c["pass_hat_k"],
            "second": theirs[c["id"]]["pass_hat_k"],
            "same": c["passed"] == theirs[c["id"]]["passed"],
        }
        for c in first["cases"]
        if c["id"] in theirs
    ]
    return sorted(rows, key=lambda r: (r["same"], r["id"]))


def comparison_markdown(first: dict[str, Any], second: dict[str, Any]) -> str:
    rows = compare(first, second)
    a, b = first["run"].get("agent", "first"), second["run"].get("agent", "second")
    differ = sum(not r["same"] for r in rows)
    lines = [
        f"# {a} vs {b}: {len(rows)} cases in both, {differ} with a different outcome",
        "",
        f"| case | {a} pass^k | {b} pass^k | same outcome |",
        "|---|---|---|---|",
    ]
    lines += [
        f"| {r['id']} | {r['first']} | {r['second']} | {'yes' if r['same'] else 'NO'} |"
        for r in rows
    ]
    return "\n".join(lines) + "\n"


def markdown(summary: dict[str, Any]) -> str:
    m, run = summary["metrics"], summary["run"]
    lines = [
        f"# Vaultra eval: {run['agent']} agent over {run['transport']}",
        "",
        f"{m['cases_passed']}/{m['cases']} cases passed; {run['trials']} trials in all.",
        "",
        "| metric | value |",
        "|---|---|",
    ]
    lines += [f"| {k} | {v} |" for k, v in m.items() if k not in ("cases", "cases_passed")]
    lines += [
        "",
        "| case | kind | trials | successes | pass^k | pass@k | same trajectory | failures |",
        "|---|---|---|---|---|---|---|---|",
    ]
    lines += [
        f"| {c['id']} | {c['kind']} | {c['trials']} | {c['successes']} | {c['pass_hat_k']:.2f} "
        f"| {c['pass_at_k']:.2f} | {'yes' if c['identical_trajectories'] else 'no'} "
        f"| {'; '.join(c['failures'])[:200]} |"
        for c in summary["cases"]
    ]
    return "\n".join(lines) + "\n"


def junit(summary: dict[str, Any]) -> str:
    cases = summary["cases"]
    suite = ET.Element(
        "testsuite",
        name="vaultra-eval",
        tests=str(len(cases)),
        failures=str(sum(not c["passed"] for c in cases)),
    )
    for c in cases:
        test = ET.SubElement(suite, "testcase", classname=f"vaultra.{c['kind']}", name=c["id"])
        if not c["passed"]:
            failure = ET.SubElement(
                test, "failure", message=f"{c['successes']}/{c['trials']} trials succeeded"
            )
            failure.text = "\n".join(c["failures"])
    return ET.tostring(suite, encoding="unicode", xml_declaration=True)


def write(out: Path, trials: list[Trial], summary: dict[str, Any]) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with (out / "trials.jsonl").open("w") as f:
        for t in trials:
            f.write(json.dumps(t.record(), default=str) + "\n")
    (out / "summary.json").write_text(json.dumps(summary, indent=2, default=str) + "\n")
    (out / "summary.md").write_text(markdown(summary))
    (out / "junit.xml").write_text(junit(summary))

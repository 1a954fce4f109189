"""What a model is given: tokens per tool result and for the tool definitions.

    python -m bench.tokens [--businesses 1000]

Over stdio, as Claude Desktop connects (it reads only a result's text ``content``), for the
representative call set of ``bench.mcp`` (every tool, demo data, default arguments): cl100k tokens
of the text each result carries, and of its ``structuredContent`` alone (what Claude Code reads).
Then the tool definitions a model is shown (name, description, input schema), per tool and in
all. Goals: median result <= 400 tokens, largest <= 1,000, every definition together <= 2,000.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
from collections.abc import Callable
from typing import Any

from fastmcp import Client
from mcp.types import Implementation

from bench.common import table
from bench.mcp import BENCH, TOOL_CALLS, environment, vaultra_stdio
from bench.recompute import ensure_demo
from vaultra_mcp.services.deps import Deps
from vaultra_mcp.services.identity import demo_token
from vaultra_mcp.settings import Settings
from vaultra_mcp.tokens import count_tokens

CONTENT_READER = Implementation(name="claude-ai", version="bench")
GOALS = {"median": 400, "max": 1_000, "definitions": 2_000}


def compact(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def verdict(value: float, goal: int) -> str:
    return "pass" if value <= goal else "FAIL"


async def measure(env: dict[str, str]) -> dict[str, Any]:
    async with Client(vaultra_stdio(env), client_info=CONTENT_READER) as client:
        recs = await client.call_tool("get_top_recommendations", {"status": "all"})
        rec_id = recs.structured_content["recommendations"][0]["id"]
        results = []
        for tool, args in TOOL_CALLS:
            args = {**args, "recommendation_id": rec_id} if "recommendation_id" in args else args
            result = await client.call_tool_mcp(tool, args)
            text = "".join(getattr(block, "text", "") for block in result.content)
            structured = result.structured_content or {}
            results.append((tool, count_tokens(text), count_tokens(compact(structured))))
        tools = await client.list_tools()
    definitions = [
        (t.name, {"name": t.name, "description": t.description, "input_schema": t.input_schema})
        for t in tools
    ]
    return {"results": results, "definitions": definitions}


def report(measured: dict[str, Any]) -> dict[str, Any]:
    results = measured["results"]
    sizes = [text for _, text, _ in results]
    median, largest = statistics.median(sizes), max(sizes)
    print("tool results: cl100k tokens a content-reading model is given (text), and structured")
    print(table(["tool", "text", "structured only"], [[t, str(a), str(b)] for t, a, b in results]))
    print(
        table(
            ["measure", "tokens", "goal", ""],
            [
                ["median", f"{median:g}", str(GOALS["median"]), verdict(median, GOALS["median"])],
                ["max", str(largest), str(GOALS["max"]), verdict(largest, GOALS["max"])],
            ],
        )
    )
    # Serialized three ways, since clients differ: the goal is judged on json.dumps' default.
    styles: dict[str, Callable[[Any], str]] = {
        "compact": compact,
        "default": lambda d: json.dumps(d, ensure_ascii=False),
        "indent 2": lambda d: json.dumps(d, ensure_ascii=False, indent=2),
    }
    totals = dict.fromkeys(styles, 0)
    rows = []
    for name, definition in measured["definitions"]:
        counts = {style: count_tokens(dump(definition)) for style, dump in styles.items()}
        totals = {style: totals[style] + counts[style] for style in styles}
        rows.append([name, *(str(counts[style]) for style in styles)])
    rows.append(["all", *(str(totals[style]) for style in styles)])
    print("\ntool definitions: name, description, input schema (cl100k tokens)")
    print(table(["tool", *styles], rows))
    goal = GOALS["definitions"]
    print(f"goal <= {goal} (default): {verdict(totals['default'], goal)}")
    return {"results": results, "median": median, "max": largest, "definitions": totals}


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    BENCH.mkdir(exist_ok=True)
    database_url = f"sqlite+aiosqlite:///{BENCH / 'recompute.db'}"
    settings = Settings(database={"url": database_url})
    deps = Deps.build(settings)
    try:
        await ensure_demo(deps, args.businesses)
    finally:
        await deps.close()
    token = demo_token(
        settings.auth.hash_key.get_secret_value().encode(), "devon@voltline.example", 7
    )
    return report(await measure(environment(database_url, token)))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--businesses", type=int, default=1_000)
    results = asyncio.run(main_async(parser.parse_args()))
    (BENCH / "tokens.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()

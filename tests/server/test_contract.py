"""The tools/list contract, snapshotted: clients and eval suites depend on it.

Set VAULTRA_UPDATE_SNAPSHOTS=1 to rewrite the snapshot after an intended change, and review the
diff like any other change to a public API.
"""

import json
import os
from pathlib import Path

from tests.server.clients import connect

SNAPSHOT = Path(__file__).parent / "snapshots" / "tools_list.json"


async def test_tools_list_matches_the_snapshot(demo_deps):
    async with connect(demo_deps) as client:
        tools = await client.list_tools()
    current = [
        {
            "name": t.name,
            "description": t.description,
            "input_schema": t.input_schema,
            "output_schema": t.output_schema,
            "annotations": t.annotations.model_dump(mode="json", exclude_none=True),
        }
        for t in sorted(tools, key=lambda t: t.name)
    ]
    rendered = json.dumps(current, indent=2, sort_keys=True) + "\n"
    if os.environ.get("VAULTRA_UPDATE_SNAPSHOTS") == "1" or not SNAPSHOT.exists():
        SNAPSHOT.write_text(rendered)
    assert rendered == SNAPSHOT.read_text()


async def test_simulate_readiness_states_the_rules_its_schema_cannot(demo_deps):
    async with connect(demo_deps) as client:
        tool = next(t for t in await client.list_tools() if t.name == "simulate_readiness")
        refusals = [
            await client.call_tool("simulate_readiness", {"changes": changes}, raise_on_error=False)
            for changes in (
                {},
                {"top_customer_share_pct": 60, "top3_customer_share_pct": 40},
                {"top_customer_share_pct": 99},  # past the business's current top-3 share
            )
        ]
    schema = json.dumps(tool.input_schema)

    assert [r.structured_content["error"] for r in refusals] == ["INVALID_ARGUMENT"] * 3
    assert "empty changes" in tool.description
    assert "top-3 customer share below the top customer's" in tool.description
    assert "set both" in tool.description
    assert "At least top_customer_share_pct, once applied" in schema

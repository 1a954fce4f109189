"""What a user or a model reads cites public titles and URLs; our internal notes never leak.

Internal references (the design notes' section numbers, file names of documents that are not
part of the product) belong in code comments only. This scans every tool result, resource and
prompt, the dashboard routes and the assistant's answers for them.
"""

from __future__ import annotations

import json
import re

from tests.api.conftest import DEVON, MAYA, bearer
from tests.server.clients import OWNER_OF, call, connect
from tests.server.test_tools import default_calls

INTERNAL = re.compile(r"DOMAIN\.md|DESIGN\.md|EVALS\.md|§\s*\d|shared/seeds|\.\./shared")


def leaks(text: str) -> list[str]:
    return INTERNAL.findall(text)


async def test_no_tool_result_resource_or_prompt_cites_an_internal_note(api_deps):
    seen: list[str] = []
    for business_id, owner in OWNER_OF.items():
        async with connect(api_deps, owner) as client:
            for tool, args in await default_calls(client, business_id):
                result = await call(client, tool, **args)
                seen.append(json.dumps(result.structured_content) + result.content[0].text)
            if business_id == 1:
                for resource in await client.list_resources():
                    for part in await client.read_resource(resource.uri):
                        seen.append(getattr(part, "text", ""))
                for prompt in await client.list_prompts():
                    args = {a.name: "sba_7a" for a in prompt.arguments or []}
                    got = await client.get_prompt(prompt.name, args)
                    seen.extend(str(m.content) for m in got.messages)
    found = [hit for text in seen for hit in leaks(text)]
    assert found == [] and len(seen) > 50


async def test_no_dashboard_route_cites_an_internal_note(api, api_deps):
    bodies = []
    for path in (
        "/readiness",
        "/metrics",
        "/recommendations",
        "/readiness/history",
        "/openapi.json",
    ):
        response = await api.get(f"/api/v1{path}", headers=bearer(api_deps, DEVON))
        assert response.status_code == 200, path
        bodies.append(response.text)
    assert [hit for body in bodies for hit in leaks(body)] == []


async def test_no_assistant_answer_cites_an_internal_note(api, api_deps):
    questions = (
        "What's hurting my funding readiness?",
        "What should I do first to get a bank line of credit?",
        "Could I qualify for an SBA 7(a) loan?",
        "How are my disputes compared to what card networks allow?",
        "What if my refund rate dropped to 2%?",
        "Which documents do lenders ask for?",
    )
    answers = []
    for question in questions:
        response = await api.post(
            "/api/v1/agent/chat",
            json={"message": question, "business_id": 1},
            headers=bearer(api_deps, MAYA),
        )
        assert response.status_code == 200, question
        answers.append(response.text)
    assert [hit for answer in answers for hit in leaks(answer)] == []

"""Chat turns reuse one open MCP session per business: never past a revoked token or a lost
membership, and never another business's."""

from __future__ import annotations

from sqlalchemy import delete

from tests.api.conftest import DEVON, MAYA, bearer
from vaultra_mcp.models import Membership
from vaultra_mcp.services.identity import issue_token, revoke_token

HURTING = "What's hurting my funding readiness?"


async def turn(api, headers: dict[str, str], **body):
    return await api.post("/api/v1/agent/chat", json={"message": HURTING, **body}, headers=headers)


async def test_a_revoked_token_is_refused_though_its_businesss_session_is_open(api, api_deps):
    issued = await issue_token(api_deps, user_id=DEVON, name="chat")
    headers = {"Authorization": f"Bearer {issued.token}"}
    first = await turn(api, headers)
    await revoke_token(api_deps, DEVON, issued.id)
    after = await turn(api, headers)
    assert first.status_code == 200
    assert after.status_code == 401


async def test_a_user_who_left_a_business_cannot_reach_its_open_session(api, api_deps):
    first = await turn(api, bearer(api_deps, MAYA), business_id=1)
    async with api_deps.db.transaction() as session:
        await session.execute(
            delete(Membership).where(Membership.user_id == MAYA, Membership.business_id == 1)
        )
    after = await turn(api, bearer(api_deps, MAYA), business_id=1)
    assert first.status_code == 200
    assert after.status_code == 404
    assert "tool_calls" not in after.json()


async def test_alternating_turns_each_read_their_own_business(api, api_deps):
    answers = []
    for user, business_id in ((DEVON, None), (MAYA, 1), (DEVON, None), (MAYA, 2), (MAYA, 1)):
        extra = {} if business_id is None else {"business_id": business_id}
        answers.append((await turn(api, bearer(api_deps, user), **extra)).json())
    devon, maya_1, devon_again, maya_2, maya_1_again = answers
    assert devon["answer"] == devon_again["answer"]
    assert maya_1["answer"] == maya_1_again["answer"]
    assert len({devon["answer"], maya_1["answer"], maya_2["answer"]}) == 3
    assert "2.19%" in devon["answer"] and "2.19%" not in maya_1["answer"]

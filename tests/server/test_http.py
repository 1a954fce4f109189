"""Streamable HTTP: bearer auth on every request, Host/Origin checks, tenants kept apart."""

import asyncio
import socket
import time

import httpx
import pytest
from fastmcp import Client
from fastmcp.client.transports import StreamableHttpTransport
from sqlalchemy import update

from tests.factories import HASH_KEY
from tests.server.http_server import serving
from vaultra_mcp.models import Business
from vaultra_mcp.services.access import mint_jwt
from vaultra_mcp.services.identity import demo_token

INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "protocolVersion": "2025-06-18",
        "capabilities": {},
        "clientInfo": {"name": "t", "version": "0"},
    },
}
ACCEPT = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}


def client(base: str, token: str) -> Client:
    return Client(
        StreamableHttpTransport(f"{base}/mcp", headers={"Authorization": f"Bearer {token}"})
    )


async def test_requests_without_a_valid_bearer_get_401_with_a_challenge(demo_deps):
    jwt = mint_jwt(demo_deps.settings, 2, int(time.time()))
    header, payload, _ = jwt.split(".")
    none_alg = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0." + payload + "."
    async with serving(demo_deps.settings) as base, httpx.AsyncClient() as http:
        for auth in (
            None,
            "Bearer",
            "Bearer vtk_not_a_token",
            f"Bearer {header}.{payload}.forged",
            f"Bearer {none_alg}",
            "Basic dXNlcjpwYXNz",
        ):
            headers = {**ACCEPT, **({"Authorization": auth} if auth else {})}
            response = await http.post(f"{base}/mcp", json=INITIALIZE, headers=headers)
            assert response.status_code == 401, auth
            assert response.headers["www-authenticate"].startswith("Bearer"), auth


async def test_an_expired_jwt_is_refused(demo_deps):
    old = mint_jwt(demo_deps.settings, 2, int(time.time()) - 10 * 3600)
    async with serving(demo_deps.settings) as base, httpx.AsyncClient() as http:
        response = await http.post(
            f"{base}/mcp", json=INITIALIZE, headers={**ACCEPT, "Authorization": f"Bearer {old}"}
        )
    assert response.status_code == 401


async def test_a_foreign_origin_gets_403_and_a_foreign_host_is_refused(demo_deps):
    token = demo_token(HASH_KEY, "devon@voltline.example", 7)
    auth = {**ACCEPT, "Authorization": f"Bearer {token}"}
    async with serving(demo_deps.settings) as base, httpx.AsyncClient() as http:
        origin = await http.post(
            f"{base}/mcp", json=INITIALIZE, headers={**auth, "Origin": "https://evil.example"}
        )
        host = await http.post(
            f"{base}/mcp", json=INITIALIZE, headers={**auth, "Host": "evil.example"}
        )
        local = await http.post(f"{base}/mcp", json=INITIALIZE, headers={**auth, "Origin": base})
    assert origin.status_code == 403
    assert host.status_code in (403, 421)
    assert local.status_code == 200


async def test_a_jwt_and_a_personal_access_token_both_work(demo_deps):
    jwt = mint_jwt(demo_deps.settings, 4, int(time.time()))  # tom; the server runs on real time
    token = demo_token(HASH_KEY, "devon@voltline.example", 7)
    async with (
        serving(demo_deps.settings) as base,
        client(base, jwt) as tom,
        client(base, token) as devon,
    ):
        mine = await tom.call_tool("list_businesses", {})
        theirs = await devon.call_tool("list_businesses", {})
    assert [b["name"] for b in mine.structured_content["businesses"]] == ["Old Mill Bakery"]
    assert [b["name"] for b in theirs.structured_content["businesses"]] == ["Voltline Gadgets"]


@pytest.mark.parametrize("stateless", [False, True])
async def test_two_tenants_calling_at_once_never_see_each_others_data(demo_deps, stateless):
    canary = {3: "Voltline CANARY-7f3a9e", 4: "Brightside CANARY-19bc42"}
    async with demo_deps.db.transaction() as session:
        for business_id, name in canary.items():
            await session.execute(
                update(Business).where(Business.id == business_id).values(name=name)
            )
    tokens = {
        3: demo_token(HASH_KEY, "devon@voltline.example", 7),
        4: demo_token(HASH_KEY, "priya@brightside.example", 7),
    }
    calls = [
        ("get_readiness_breakdown", {}),
        ("get_business_context", {}),
        ("get_top_recommendations", {}),
        ("list_businesses", {}),
        ("get_funding_options", {}),
    ] * 4

    async def session_of(base: str, business_id: int) -> list[str]:
        async with client(base, tokens[business_id]) as mcp:
            results = await asyncio.gather(*(mcp.call_tool(name, args) for name, args in calls))
        return [str(r.structured_content) + r.content[0].text for r in results]

    async with serving(demo_deps.settings, stateless=stateless) as base:
        devon, priya = await asyncio.gather(session_of(base, 3), session_of(base, 4))
    assert all("CANARY-7f3a9e" not in text for text in priya)
    assert all("CANARY-19bc42" not in text for text in devon)
    assert sum("CANARY-7f3a9e" in text for text in devon) >= len(calls) // 2
    assert sum("CANARY-19bc42" in text for text in priya) >= len(calls) // 2


async def test_an_abrupt_disconnect_does_not_stop_the_server(demo_deps):
    token = demo_token(HASH_KEY, "devon@voltline.example", 7)
    async with serving(demo_deps.settings) as base:
        port = int(base.rsplit(":", 1)[1])
        for _ in range(3):
            raw = socket.create_connection(("127.0.0.1", port))
            raw.sendall(
                b'POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 500\r\n\r\n{"jsonrpc":'
            )
            raw.close()
        async with httpx.AsyncClient() as http:
            garbage = await http.post(
                f"{base}/mcp",
                content=b"{not json",
                headers={**ACCEPT, "Authorization": f"Bearer {token}"},
            )
        async with client(base, token) as mcp:
            result = await mcp.call_tool("list_businesses", {})
    assert garbage.status_code in (400, 406, 422)
    assert result.structured_content["businesses"][0]["id"] == 3

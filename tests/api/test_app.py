"""The app around the routes: probes, error shape, request ids, limits, CORS, OpenAPI, /mcp."""

from __future__ import annotations

import json

import pytest
from openapi_spec_validator import validate

from api_shell.app import create_app
from tests.api.conftest import DEVON, bearer, count, serve
from tests.factories import settings_for
from vaultra_mcp.logs import RequestIdFilter
from vaultra_mcp.models import Business
from vaultra_mcp.services.deps import Deps


async def test_liveness_and_readiness_probes_answer(api):
    assert (await api.get("/healthz")).json() == {"status": "ok"}
    assert (await api.get("/readyz")).json() == {"status": "ready"}


async def test_readiness_is_503_when_the_database_is_unreachable(tmp_path):
    url = "postgresql+asyncpg://nobody@127.0.0.1:1/none"
    deps = Deps.build(settings_for(url))
    try:
        async for client in serve(deps):
            response = await client.get("/readyz")
    finally:
        await deps.close()

    assert response.status_code == 503 and response.json()["error"] == "STORE_UNAVAILABLE"


async def test_an_api_call_during_a_database_outage_is_a_503_that_says_when_to_retry():
    deps = Deps.build(settings_for("postgresql+asyncpg://nobody@127.0.0.1:1/none"))
    try:
        async for client in serve(deps):
            response = await client.get("/api/v1/auth/me", headers=bearer(deps, DEVON))
    finally:
        await deps.close()

    assert response.status_code == 503 and response.json()["error"] == "STORE_UNAVAILABLE"
    assert response.headers["Retry-After"] == "5"


async def test_log_lines_written_during_a_request_carry_its_id(caplog):
    caplog.handler.addFilter(RequestIdFilter())
    deps = Deps.build(settings_for("postgresql+asyncpg://nobody@127.0.0.1:1/none"))
    try:
        async for client in serve(deps):
            response = await client.get("/api/v1/auth/me", headers=bearer(deps, DEVON))
    finally:
        await deps.close()

    stamped = [r.request_id for r in caplog.records if r.name == "vaultra.api"]
    assert stamped and set(stamped) == {response.headers["x-request-id"]}


async def test_a_route_hitting_a_dead_database_is_503_not_500(tmp_path):
    deps = Deps.build(settings_for("postgresql+asyncpg://nobody@127.0.0.1:1/none"))
    try:
        async for client in serve(deps):
            response = await client.get("/api/v1/auth/me", headers=bearer(deps, DEVON))
    finally:
        await deps.close()

    assert response.status_code == 503 and "Traceback" not in response.text


@pytest.mark.parametrize(
    ("method", "path", "status"), [("GET", "/api/v1/nowhere", 404), ("PUT", "/api/v1/auth/me", 405)]
)
async def test_unknown_routes_and_methods_use_the_error_shape(api, method, path, status):
    response = await api.request(method, path)

    assert response.status_code == status
    assert set(response.json()) == {"error", "message", "request_id"}


async def test_every_response_carries_a_request_id_that_errors_repeat(api):
    response = await api.get("/api/v1/auth/me")

    assert response.headers["x-request-id"] == response.json()["request_id"]


async def test_a_sane_client_request_id_is_kept_and_an_insane_one_replaced(api):
    kept = await api.get("/healthz", headers={"X-Request-ID": "trace-abc.123"})
    replaced = await api.get("/healthz", headers={"X-Request-ID": "bad id\n<script>"})

    assert kept.headers["x-request-id"] == "trace-abc.123"
    assert replaced.headers["x-request-id"] != "bad id\n<script>"


async def test_a_declared_body_over_the_limit_is_refused_before_reading(api, api_deps):
    response = await api.post(
        "/api/v1/auth/login",
        content=b"{}",
        headers={
            "content-type": "application/json",
            "content-length": str(api_deps.settings.http.max_body_bytes + 1),
        },
    )

    assert response.status_code == 413 and response.json()["error"] == "PAYLOAD_TOO_LARGE"


async def test_cors_allows_only_configured_origins(demo_database_url):
    deps = Deps.build(
        settings_for(demo_database_url, http={"cors_origins": "https://app.vaultra.example"})
    )
    try:
        async for client in serve(deps):
            allowed = await client.options(
                "/api/v1/auth/me",
                headers={
                    "Origin": "https://app.vaultra.example",
                    "Access-Control-Request-Method": "GET",
                },
            )
            refused = await client.options(
                "/api/v1/auth/me",
                headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"},
            )
    finally:
        await deps.close()

    assert allowed.headers["access-control-allow-origin"] == "https://app.vaultra.example"
    assert "access-control-allow-origin" not in refused.headers


def test_a_wildcard_origin_never_comes_with_credentials(demo_database_url):
    app = create_app(settings_for(demo_database_url, http={"cors_origins": "*"}))
    cors = next(m for m in app.user_middleware if m.cls.__name__ == "CORSMiddleware")

    assert cors.kwargs["allow_credentials"] is False


async def test_the_openapi_document_is_valid_and_lists_every_route(api):
    spec = (await api.get("/api/v1/openapi.json")).json()

    validate(spec)
    assert (
        "/api/v1/webhooks/stripe" in spec["paths"]
        and "/api/v1/recommendations/{recommendation_id}" in spec["paths"]
    )


async def test_mcp_is_served_at_slash_mcp_with_the_same_bearer_auth(api, api_deps):
    request = {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}
    headers = {"accept": "application/json, text/event-stream", "content-type": "application/json"}

    anonymous = await api.post("/mcp", json=request, headers=headers)
    signed_in = await api.post("/mcp", json=request, headers={**headers, **bearer(api_deps, DEVON)})

    assert anonymous.status_code == 401
    assert signed_in.status_code == 200
    assert "get_readiness_breakdown" in signed_in.text


@pytest.mark.parametrize("name", ["nul\u0000byte", "lone\ud800surrogate"])
async def test_text_that_cannot_be_stored_is_refused_and_nothing_written(api, api_deps, name):
    body = json.dumps({"name": name})

    response = await api.post(
        "/api/v1/users/businesses",
        content=body.encode(),
        headers={"content-type": "application/json", **bearer(api_deps, DEVON)},
    )

    assert response.status_code == 400 and response.json()["error"] == "MALFORMED_TEXT"
    assert await count(api_deps, Business, Business.name.startswith("nul")) == 0

"""Dashboard JSON: the numbers the MCP tools give, for the caller's business."""

from __future__ import annotations

import pytest

from tests.api.conftest import DEVON, MAYA, bearer, count
from vaultra_mcp.models import ReadinessScore


async def test_metrics_are_those_of_the_callers_business(api, api_deps):
    response = await api.get(
        "/api/v1/metrics", params={"period": "12m"}, headers=bearer(api_deps, DEVON)
    )

    assert response.status_code == 200
    assert response.json()["business_id"] == 3 and response.json()["period"] == "12m"


async def test_readiness_shows_score_tier_and_components(api, api_deps):
    response = await api.get("/api/v1/readiness", headers=bearer(api_deps, DEVON))
    readiness = response.json()["readiness"]

    assert response.status_code == 200
    assert 0 <= readiness["score"] <= 100 and readiness["tier"]
    assert len(readiness["components"]) == 9


async def test_histories_are_newest_first(api, api_deps):
    for path in ("/api/v1/metrics/history", "/api/v1/readiness/history"):
        response = await api.get(
            path, params={"business_id": 1, "limit": 5}, headers=bearer(api_deps, MAYA)
        )
        points = [p["as_of"] for p in response.json()["points"]]

        assert response.status_code == 200 and points == sorted(points, reverse=True)


async def test_recommendations_can_be_listed_and_accepted(api, api_deps):
    listed = await api.get("/api/v1/recommendations", headers=bearer(api_deps, DEVON))
    first = listed.json()["items"][0]

    changed = await api.patch(
        f"/api/v1/recommendations/{first['id']}",
        json={"status": "accepted"},
        headers=bearer(api_deps, DEVON),
    )
    accepted = await api.get(
        "/api/v1/recommendations", params={"status": "accepted"}, headers=bearer(api_deps, DEVON)
    )

    assert changed.status_code == 200 and changed.json()["changed"] is True
    assert [r["id"] for r in accepted.json()["items"]] == [first["id"]]


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/api/v1/metrics", {"period": "forever"}),
        ("/api/v1/metrics", {"business_id": 0}),
        ("/api/v1/metrics", {"business_id": "three"}),
        ("/api/v1/metrics/history", {"limit": 0}),
        ("/api/v1/readiness/history", {"limit": 1000}),
        ("/api/v1/recommendations", {"status": "deleted"}),
        ("/api/v1/recommendations", {"limit": 51}),
    ],
)
async def test_bad_queries_are_422_naming_the_field(api, api_deps, path, params):
    response = await api.get(path, params=params, headers=bearer(api_deps, DEVON))

    assert response.status_code == 422
    assert response.json()["details"]["errors"][0]["field"] in params


@pytest.mark.parametrize(
    "body", [{"status": "open"}, {"status": "deleted"}, {}, {"status": "done", "business_id": 1}]
)
async def test_bad_recommendation_changes_change_nothing(api, api_deps, body):
    first = (await api.get("/api/v1/recommendations", headers=bearer(api_deps, DEVON))).json()[
        "items"
    ][0]

    response = await api.patch(
        f"/api/v1/recommendations/{first['id']}", json=body, headers=bearer(api_deps, DEVON)
    )
    after = (await api.get("/api/v1/recommendations", headers=bearer(api_deps, DEVON))).json()[
        "items"
    ][0]

    assert response.status_code == 422
    assert after["status"] == first["status"] == "open"


async def test_a_business_without_payment_history_is_409_not_ready(api, api_deps):
    created = await api.post(
        "/api/v1/users/businesses", json={"name": "Fresh"}, headers=bearer(api_deps, DEVON)
    )

    response = await api.get(
        "/api/v1/readiness",
        params={"business_id": created.json()["id"]},
        headers=bearer(api_deps, DEVON),
    )

    assert response.status_code == 409 and response.json()["error"] == "NOT_READY"


async def test_funding_options_judge_every_product_for_the_callers_business(api, api_deps):
    response = await api.get("/api/v1/funding-options", headers=bearer(api_deps, DEVON))
    options = response.json()["options"]

    assert response.status_code == 200 and response.json()["business_id"] == 3
    assert len(options) == 14
    assert {c["status"] for o in options for c in o["criteria"]} <= {"met", "not_met", "unknown"}


async def test_a_what_if_rescores_and_stores_nothing(api, api_deps):
    before = await count(api_deps, ReadinessScore)
    current = (await api.get("/api/v1/readiness", headers=bearer(api_deps, DEVON))).json()

    response = await api.post(
        "/api/v1/readiness/simulate",
        json={"changes": {"dispute_activity_pct": 0.1}},
        headers=bearer(api_deps, DEVON),
    )
    simulation = response.json()["simulation"]

    assert response.status_code == 200
    assert simulation["score_before"] == current["readiness"]["score"]
    assert simulation["applied"] == {"dispute_activity_pct": 0.1}
    assert await count(api_deps, ReadinessScore) == before


@pytest.mark.parametrize(
    "changes",
    [{}, {"refund_rate_pct": None}, {"refund_rate_pct": 101}, {"failed_payouts": 1.5}],
    ids=["empty", "null", "out-of-range", "fractional-count"],
)
async def test_a_what_if_with_bad_changes_is_a_422(api, api_deps, changes):
    response = await api.post(
        "/api/v1/readiness/simulate", json={"changes": changes}, headers=bearer(api_deps, DEVON)
    )

    assert response.status_code == 422 and response.json()["error"] == "VALIDATION_ERROR"


@pytest.mark.parametrize("period", ["90d", "6m", "12m"])
async def test_the_http_route_and_the_mcp_tool_state_the_same_metric_facts(api, api_deps, period):
    from tests.server.clients import call, connect
    from vaultra_mcp.caller import Caller

    route = await api.get(
        "/api/v1/metrics", params={"period": period}, headers=bearer(api_deps, DEVON)
    )
    async with connect(api_deps, Caller.user(DEVON)) as client:
        tool = (await call(client, "get_metric_summary", period=period)).structured_content
    http = route.json()

    assert http["benchmarks"] == tool["benchmarks"] and http["benchmarks"]
    assert set(http["notes"]) <= set(tool["notes"])
    for name, value in tool["metrics"].items():
        if name in http["window"]:
            assert http["window"][name] == value, name
    assert http["growth_pct"] == tool["metrics"]["growth_pct"]
    assert http["metrics"]["months_of_history"] == tool["metrics"]["months_of_history"]

"""The OpenAPI document declares what the routes really require and answer, so a schema-driven
client (and schemathesis) sees the real contract: headers, parameters, every error status."""

from __future__ import annotations

from typing import Any

import pytest

from api_shell.app import OPERATIONS, PREFIX
from api_shell.openapi import document

SPEC = document(OPERATIONS, "Vaultra API", "test", PREFIX)


def operation(method: str, path: str) -> dict[str, Any]:
    return SPEC["paths"][PREFIX + path][method]


def every_operation() -> list[tuple[str, dict[str, Any]]]:
    return [
        (f"{method.upper()} {path}", op)
        for path, methods in SPEC["paths"].items()
        for method, op in methods.items()
    ]


def test_the_webhook_declares_its_required_signature_header_and_its_400():
    webhook = operation("post", "/webhooks/stripe")

    [signature] = [p for p in webhook["parameters"] if p["name"] == "Stripe-Signature"]
    assert signature["in"] == "header" and signature["required"] is True
    assert "INVALID_SIGNATURE" in webhook["responses"]["400"]["description"]
    assert "MALFORMED_EVENT" in webhook["responses"]["400"]["description"]


def test_the_webhook_declares_the_event_it_reads():
    body = operation("post", "/webhooks/stripe")["requestBody"]["content"]["application/json"]

    assert set(body["schema"]["required"]) == {"id", "object", "type", "created", "data"}


@pytest.mark.parametrize("path", ["/auth/callback/google", "/integrations/stripe/callback"])
def test_each_oauth_callback_declares_its_400_invalid_state(path):
    assert "INVALID_STATE" in operation("get", path)["responses"]["400"]["description"]


def test_google_sign_in_declares_the_409_of_a_mismatched_account():
    responses = operation("get", "/auth/callback/google")["responses"]

    assert "GOOGLE_ACCOUNT_MISMATCH" in responses["409"]["description"]


@pytest.mark.parametrize(
    ("name", "op"), every_operation(), ids=lambda v: v if isinstance(v, str) else ""
)
def test_every_response_declares_its_request_id(name, op):
    for status, response in op["responses"].items():
        assert response["headers"]["X-Request-ID"]["required"] is True, (name, status)


@pytest.mark.parametrize(
    ("name", "op"), every_operation(), ids=lambda v: v if isinstance(v, str) else ""
)
def test_every_operation_declares_the_store_being_down_and_takes_a_request_id(name, op):
    assert "STORE_UNAVAILABLE" in op["responses"]["503"]["description"]
    assert "X-Request-ID" in {p["name"] for p in op["parameters"] if p["in"] == "header"}


def test_statuses_that_carry_a_header_declare_it():
    declared = {
        (status, header)
        for _, op in every_operation()
        for status, response in op["responses"].items()
        for header in response["headers"]
    }

    assert ("429", "Retry-After") in declared
    assert ("401", "WWW-Authenticate") in declared
    assert ("302", "Location") in declared


def test_an_operation_choosing_a_business_names_the_409():
    assert (
        "NEEDS_BUSINESS_SELECTION"
        in operation("get", "/readiness/history")["responses"]["409"]["description"]
    )


AUTHENTICATED = [(n, op) for n, op in every_operation() if "security" in op]


@pytest.mark.parametrize(
    ("name", "op"), AUTHENTICATED, ids=lambda v: v if isinstance(v, str) else ""
)
def test_every_authenticated_operation_takes_a_bearer_token_or_the_session_cookie(name, op):
    assert op["security"] == [{"bearer": []}, {"session": []}]


def test_the_session_cookie_is_declared_as_the_cookie_the_web_app_gets():
    scheme = SPEC["components"]["securitySchemes"]["session"]

    assert (scheme["type"], scheme["in"], scheme["name"]) == ("apiKey", "cookie", "vaultra_session")
    assert "__Host-vaultra_session" in scheme["description"]


@pytest.mark.parametrize(
    ("name", "op"),
    [(n, op) for n, op in AUTHENTICATED if not n.startswith("GET")],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_every_unsafe_cookie_operation_declares_the_cross_origin_403(name, op):
    assert "another origin" in op["responses"]["403"]["description"]


@pytest.mark.parametrize(
    ("method", "path"), [("post", "/agent/chat"), ("post", "/readiness/simulate")]
)
def test_an_operation_choosing_a_business_in_its_body_names_the_409(method, path):
    assert "NEEDS_BUSINESS_SELECTION" in operation(method, path)["responses"]["409"]["description"]


@pytest.mark.parametrize(
    ("name", "op"), every_operation(), ids=lambda v: v if isinstance(v, str) else ""
)
def test_every_503_declares_the_retry_after_a_store_outage_sends(name, op):
    header = op["responses"]["503"]["headers"]["Retry-After"]

    assert header["required"] is False and header["schema"]["minimum"] == 1


def test_the_chat_declares_the_event_stream_its_accept_header_chooses():
    chat = operation("post", "/agent/chat")

    [accept] = [p for p in chat["parameters"] if p["name"] == "Accept"]
    assert accept["in"] == "header" and "text/event-stream" in accept["description"]
    assert set(chat["responses"]["200"]["content"]) == {"application/json", "text/event-stream"}


@pytest.mark.parametrize("path", ["/auth/callback/google", "/integrations/stripe/callback"])
def test_each_oauth_callback_declares_the_redirect_a_browser_gets(path):
    callback = operation("get", path)

    assert "text/html" in {p["name"]: p for p in callback["parameters"]}["Accept"]["description"]
    assert callback["responses"]["303"]["headers"]["Location"]["required"] is True

"""One logging setup: request ids and redaction on every line, text or JSON."""

import json
import logging

from vaultra_mcp.logs import REQUEST_ID, JsonFormatter, RequestIdFilter
from vaultra_mcp.settings import Settings


def record(message: str) -> logging.LogRecord:
    made = logging.LogRecord("vaultra.test", logging.WARNING, __file__, 1, message, None, None)
    RequestIdFilter().filter(made)
    return made


def test_a_json_line_carries_the_request_id_as_a_field():
    token = REQUEST_ID.set("req-42")
    try:
        line = json.loads(JsonFormatter().format(record("payout failed")))
    finally:
        REQUEST_ID.reset(token)
    assert line["request_id"] == "req-42"
    assert line["message"] == "payout failed" and line["level"] == "WARNING"
    assert line["logger"] == "vaultra.test" and line["time"].endswith("+00:00")


def test_outside_a_request_the_id_is_a_dash():
    assert json.loads(JsonFormatter().format(record("startup")))["request_id"] == "-"


def test_the_format_is_a_setting_that_refuses_unknown_values(monkeypatch):
    assert Settings().log_format == "text"
    monkeypatch.setenv("VAULTRA_LOG_FORMAT", "json")
    assert Settings().log_format == "json"
    monkeypatch.setenv("VAULTRA_LOG_FORMAT", "xml")
    try:
        Settings()
    except ValueError as exc:
        assert "log_format" in str(exc) or "VAULTRA_LOG_FORMAT" in str(exc)
    else:
        raise AssertionError("xml was accepted")

"""One logging setup for every command: request ids, PII redaction, text or JSON lines.

JSON (``VAULTRA_LOG_FORMAT=json``) is for log shippers: one object per line with the request id
as a field, so a request can be followed across replicas without parsing text.
"""

from __future__ import annotations

import contextvars
import json
import logging
from datetime import UTC, datetime

from vaultra_mcp.core.redaction import parse_kinds
from vaultra_mcp.log_redaction import RedactingFilter
from vaultra_mcp.settings import Settings

REQUEST_ID = contextvars.ContextVar("request_id", default="-")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` to every log record (``-`` outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = REQUEST_ID.get()
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "request_id": getattr(record, "request_id", "-"),
            "message": record.getMessage(),
        }
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


def configure_logging(
    settings: Settings, text_format: str = TEXT_FORMAT, replace: bool = False
) -> None:
    """Route every logger through one handler that tags, redacts and formats each record;
    ``replace`` drops handlers set up before (a server owns its process's logging)."""
    handler = logging.StreamHandler()
    handler.addFilter(RequestIdFilter())
    handler.addFilter(RedactingFilter(parse_kinds(settings.redact_pii)))
    formatter = JsonFormatter() if settings.log_format == "json" else logging.Formatter(text_format)
    handler.setFormatter(formatter)
    logging.basicConfig(level=settings.log_level.upper(), handlers=[handler], force=replace)

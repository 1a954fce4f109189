"""A logging filter that redacts personal data from every record before it is written."""

from __future__ import annotations

import logging

from vaultra_mcp.core.redaction import KINDS, redact


class RedactingFilter(logging.Filter):
    """Formats the message once, redacted, so no handler ever sees the original text."""

    def __init__(self, kinds: tuple[str, ...] = KINDS) -> None:
        super().__init__()
        self.kinds = kinds

    def filter(self, record: logging.LogRecord) -> bool:
        if self.kinds:
            record.msg = redact(record.getMessage(), self.kinds).text
            record.args = None
        return True

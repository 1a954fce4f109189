"""Which failures of an Ollama call are worth another try: one rule for chat and embeddings."""

from __future__ import annotations

import httpx
import ollama


def transient(exc: BaseException) -> bool:
    """Overload, a server error or a dropped connection; never a request Ollama refused."""
    if isinstance(exc, ollama.ResponseError):
        return exc.status_code in (408, 429) or exc.status_code >= 500
    return isinstance(exc, httpx.TransportError | ConnectionError)

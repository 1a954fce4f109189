"""One interface for every language model: a completion with tools, and the same as a stream.

``stream`` yields ``TextDelta`` pieces as they arrive and ends with the whole ``Completion``
(tool calls assembled, usage counted), so the loop can forward text while the model writes.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Protocol

from vaultra_mcp.agent.messages import ChatMessage, Completion, TextDelta, ToolSpec
from vaultra_mcp.settings import Settings


class LLMProvider(Protocol):
    name: str
    model: str
    external: bool  # text sent here leaves Vaultra: redact it first

    async def complete(
        self, messages: Sequence[ChatMessage], tools: Sequence[ToolSpec]
    ) -> Completion: ...

    def stream(
        self, messages: Sequence[ChatMessage], tools: Sequence[ToolSpec]
    ) -> AsyncIterator[TextDelta | Completion]: ...

    async def close(self) -> None: ...


def build_provider(settings: Settings, name: str | None = None) -> LLMProvider:
    """The configured provider (``LLM_PROVIDER``), or ``name`` when a caller picks one."""
    chosen = name or settings.llm.provider
    if chosen == "openai":
        from vaultra_mcp.agent.openai_provider import OpenAIProvider

        return OpenAIProvider(settings)
    if chosen == "ollama":
        from vaultra_mcp.agent.ollama_provider import OllamaProvider

        return OllamaProvider(settings)
    from vaultra_mcp.agent.offline.provider import OfflineProvider

    return OfflineProvider()

"""Text embeddings from OpenAI or Ollama, through their official clients, or on this machine.

Both clients are imported lazily (only when configured) and given an explicit timeout and retry
budget. Any failure surfaces as ``UpstreamUnavailable`` so the retriever can fall back to the
lexical index and say the result is degraded.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from vaultra_mcp.errors import UpstreamUnavailable
from vaultra_mcp.retries import Backoff, with_retries
from vaultra_mcp.settings import Settings

BATCH = 64


class Embedder(Protocol):
    name: str  # "provider:model": stored beside each vector so a model change re-embeds

    async def embed(self, texts: Sequence[str]) -> list[list[float]]: ...

    async def close(self) -> None: ...


class OpenAIEmbedder:
    def __init__(self, settings: Settings) -> None:
        from openai import AsyncOpenAI

        key = (
            settings.llm.openai_api_key.get_secret_value()
            if settings.llm.openai_api_key
            else "unset"
        )
        self.model = settings.knowledge.openai_embedding_model
        self.name = f"openai:{self.model}"
        self.client = AsyncOpenAI(
            api_key=key,
            base_url=settings.llm.openai_base_url,
            timeout=settings.llm.provider_timeout,
            max_retries=settings.llm.provider_retries,
        )

    async def embed(self, texts: Sequence[str]) -> list[list[float]]:
        from openai import OpenAIError

        vectors: list[list[float]] = []
        try:
            for start in range(0, len(texts), BATCH):
                response = await self.client.embeddings.create(
                    model=self.model, input=list(texts[start : start + BATCH])
                )
                vectors += [item.embedding for item in sorted(response.data, key=lambda d: d.index)]
        except OpenAIError as exc:
            raise UpstreamUnavailable(f"OpenAI embeddings failed: {type(exc).__name__}") from exc
        return vectors

    async def close(self) -> None:
        await self.client.close()


class OllamaEmbedder:
    def __init__(self, settings: Settings) -> None:
        from ollama import AsyncClient

        self.model = settings.knowledge.ollama_embedding_model
        self.name = f"ollama:{self.model}"
        self.client = AsyncClient(
            host=settings.llm.ollama_host, timeout=settings.llm.provider_timeout
        )
        self.backoff = Backoff(settings.llm.provider_retries)

    async def embed(self, texts: Sequence[str]) -> list[list[float]]:
        vectors: list[list[float]] = []
        for start in range(0, len(texts), BATCH):
            batch = list(texts[start : start + BATCH])
            response = await self._with_retries(batch)
            vectors += [list(v) for v in response.embeddings]
        return vectors

    async def _with_retries(self, batch: list[str]) -> Any:
        import httpx
        from ollama import ResponseError

        from vaultra_mcp.integrations.ollama_failures import transient

        async def attempt() -> Any:
            return await self.client.embed(model=self.model, input=batch)

        try:
            return await with_retries(attempt, self.backoff, transient=transient)
        except (ResponseError, httpx.HTTPError, ConnectionError) as exc:
            raise UpstreamUnavailable(f"Ollama embeddings failed: {type(exc).__name__}") from exc

    async def close(self) -> None:
        await self.client.close()  # type: ignore[no-untyped-call]  # ollama leaves it unannotated


def build_embedder(settings: Settings) -> Embedder | None:
    if settings.knowledge.embeddings_provider == "openai":
        return OpenAIEmbedder(settings)
    if settings.knowledge.embeddings_provider == "ollama":
        return OllamaEmbedder(settings)
    if settings.knowledge.embeddings_provider == "local":
        from vaultra_mcp.integrations.local_embedder import LocalEmbedder

        return LocalEmbedder()
    return None

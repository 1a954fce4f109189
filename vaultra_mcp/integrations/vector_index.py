"""A remote vector index (Pinecone) behind a small interface the knowledge service uses."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from vaultra_mcp.integrations.local_store import VectorItem
from vaultra_mcp.settings import Settings


class VectorIndex(Protocol):
    async def upsert(self, items: Sequence[VectorItem]) -> None: ...

    async def delete(self, keys: Sequence[str]) -> None: ...

    async def query(
        self, vector: Sequence[float], k: int, category: str | None
    ) -> list[tuple[str, float]]: ...

    async def close(self) -> None: ...


def build_vector_index(settings: Settings) -> VectorIndex | None:
    if settings.knowledge.vector_store != "pinecone":
        return None
    from vaultra_mcp.integrations.pinecone_index import PineconeIndex

    return PineconeIndex(settings)

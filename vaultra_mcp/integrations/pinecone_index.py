"""Knowledge vectors in Pinecone, through the official async client.

The index is found by ``PINECONE_HOST`` when set (no control-plane call at all), otherwise by
``PINECONE_INDEX``; ``vaultra knowledge ingest`` creates it on first push with the embedder's
width. Vectors live in one namespace per environment so staging never answers from
production's corpus. Every failure surfaces as ``UpstreamUnavailable``: search then falls back
to the local lexical index and says so.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, TypeVar

from vaultra_mcp.errors import UpstreamUnavailable
from vaultra_mcp.integrations.local_store import VectorItem
from vaultra_mcp.settings import Settings

if TYPE_CHECKING:
    from pinecone import AsyncIndex

#: The schema field the vectors API (upsert/query) addresses dense values by.
DENSE_FIELD = "_values"
CREATE_TIMEOUT_SECONDS = 300
T = TypeVar("T")


class PineconeIndex:
    def __init__(self, settings: Settings) -> None:
        key = settings.knowledge.pinecone_api_key
        self.api_key = key.get_secret_value() if key is not None else ""
        self.name = settings.knowledge.pinecone_index
        self.host = settings.knowledge.pinecone_host or ""
        self.namespace = settings.knowledge.pinecone_namespace or settings.env
        self.timeout = settings.llm.provider_timeout
        # an index client holds an HTTP pool bound to the event loop that opened it
        self._clients: dict[asyncio.AbstractEventLoop, AsyncIndex] = {}

    async def upsert(self, items: Sequence[VectorItem]) -> None:
        if not items:
            return
        index = await self._index(create_with_dimension=len(items[0].values))
        vectors = [{"id": i.key, "values": i.values, "metadata": i.metadata} for i in items]
        await self._call(
            lambda: index.upsert(vectors=vectors, namespace=self.namespace, show_progress=False)
        )

    async def delete(self, keys: Sequence[str]) -> None:
        index = await self._index()
        await self._call(lambda: index.delete(ids=list(keys), namespace=self.namespace))

    async def query(
        self, vector: Sequence[float], k: int, category: str | None
    ) -> list[tuple[str, float]]:
        index = await self._index()
        response = await self._call(
            lambda: index.query(
                vector=list(vector),
                top_k=k,
                namespace=self.namespace,
                filter={"category": {"$eq": category}} if category else None,
            )
        )
        return [(match.id, float(match.score)) for match in response.matches]

    async def close(self) -> None:
        clients, self._clients = self._clients, {}
        for client in clients.values():
            await client.close()

    async def _index(self, create_with_dimension: int | None = None) -> AsyncIndex:
        loop = asyncio.get_running_loop()
        if loop not in self._clients:
            if not self.host:
                self.host = await self._call(lambda: self._find_host(create_with_dimension))
            self._clients[loop] = await self._call(lambda: self._open(self.host))
        return self._clients[loop]

    async def _find_host(self, create_with_dimension: int | None) -> str:
        from pinecone import AsyncPinecone, NotFoundError

        async with AsyncPinecone(api_key=self.api_key, timeout=self.timeout) as pc:
            try:
                found = await pc.indexes.describe(self.name)
            except NotFoundError:
                if create_with_dimension is None:
                    raise UpstreamUnavailable(
                        f"Pinecone index {self.name!r} does not exist yet; "
                        "run `vaultra knowledge ingest` to create and fill it."
                    ) from None
                field = {"type": "dense_vector", "dimension": create_with_dimension}
                schema = {"fields": {DENSE_FIELD: {**field, "metric": "cosine"}}}
                found = await pc.indexes.create(
                    name=self.name, schema=schema, timeout=CREATE_TIMEOUT_SECONDS
                )
        if not found.host:
            raise UpstreamUnavailable(f"Pinecone index {self.name!r} is still initializing.")
        return found.host

    async def _open(self, host: str) -> AsyncIndex:
        from pinecone import AsyncPinecone

        async with AsyncPinecone(api_key=self.api_key, timeout=self.timeout) as pc:
            return await pc.index(host=host)

    @staticmethod
    async def _call(operation: Callable[[], Awaitable[T]]) -> T:
        from pinecone import PineconeError

        try:
            return await operation()
        except PineconeError as exc:
            raise UpstreamUnavailable(f"Pinecone request failed: {type(exc).__name__}") from exc

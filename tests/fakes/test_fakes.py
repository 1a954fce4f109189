"""The official OpenAI, Ollama and Pinecone clients work against the local fakes."""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from typing import Any

import ollama
import openai
import pinecone
import pytest
from openai.types.chat import (
    ChatCompletionChunk,
    ChatCompletionFunctionToolParam,
    ChatCompletionMessageParam,
)
from pinecone import Pinecone, RetryConfig

from tests.fakes.embedding import cosine, embed_text
from tests.fakes.fixtures import Running
from tests.fakes.ollama_api import OllamaState, ollama_message, ollama_tool_call
from tests.fakes.openai_api import (
    OpenAIState,
    assistant_message,
    build_openai_app,
    script_error,
    tool_call,
)
from tests.fakes.pinecone_api import PineconeState
from vaultra_mcp.loopback import BackgroundServer

MODEL = "text-embedding-3-small"
USER: list[ChatCompletionMessageParam] = [
    {"role": "user", "content": "What is my funding readiness?"}
]
TOOLS: list[ChatCompletionFunctionToolParam] = [
    {
        "type": "function",
        "function": {
            "name": "get_readiness",
            "description": "Readiness score of a business.",
            "parameters": {
                "type": "object",
                "properties": {"business_id": {"type": "string"}},
                "required": ["business_id"],
            },
        },
    }
]
DOCS = {
    "late": "late invoice payments hurt cash flow",
    "paid": "invoices paid late reduce the readiness score",
    "loan": "a bank loan needs two years of revenue history",
    "rain": "the weather in paris is rainy",
}


def test_embed_text_is_deterministic_and_tracks_word_overlap() -> None:
    first = embed_text("Late invoice payments")
    assert first == embed_text("late INVOICE payments!")
    assert cosine(first, first) == pytest.approx(1.0)
    related = cosine(first, embed_text("the invoice was paid late"))
    unrelated = cosine(first, embed_text("weather in paris"))
    assert related > 0.3 > unrelated
    assert len(embed_text("", dims=16)) == 16


# ---- OpenAI ----------------------------------------------------------------------


def _openai(fake: Running[OpenAIState], **options: Any) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{fake.url}/v1", api_key="test", **options)


def test_openai_embeddings_sync(openai_fake: Running[OpenAIState]) -> None:
    texts = list(DOCS.values())
    with _openai(openai_fake) as client:
        response = client.embeddings.create(model=MODEL, input=texts)
        small = client.embeddings.create(
            model=MODEL, input="late payments", dimensions=32, encoding_format="float"
        )

    vectors = [item.embedding for item in response.data]
    assert [item.index for item in response.data] == [0, 1, 2, 3]
    # The client asks for base64 (float32) by default, hence the tolerance.
    assert vectors[0] == pytest.approx(embed_text(texts[0]), abs=1e-6)
    assert cosine(vectors[0], vectors[1]) > cosine(vectors[0], vectors[3])
    assert response.model == MODEL
    assert response.usage.prompt_tokens == response.usage.total_tokens > 0
    assert small.data[0].embedding == embed_text("late payments", dims=32)
    sent = openai_fake.state.bodies("/v1/embeddings")
    assert sent[0]["encoding_format"] == "base64"
    assert sent[1]["dimensions"] == 32


async def test_openai_embeddings_async(openai_fake: Running[OpenAIState]) -> None:
    async with openai.AsyncOpenAI(base_url=f"{openai_fake.url}/v1", api_key="test") as client:
        response = await client.embeddings.create(model=MODEL, input="bank loan")

    assert response.data[0].embedding == pytest.approx(embed_text("bank loan"), abs=1e-6)
    assert openai_fake.state.requests[0].headers["authorization"] == "Bearer test"


def test_openai_chat_tool_call(openai_fake: Running[OpenAIState]) -> None:
    call = tool_call("get_readiness", {"business_id": "biz_1"}, id="call_1")
    openai_fake.state.script = [assistant_message(tool_calls=[call])]
    with _openai(openai_fake) as client:
        completion = client.chat.completions.create(model="gpt-4o", messages=USER, tools=TOOLS)

    choice = completion.choices[0]
    assert choice.finish_reason == "tool_calls"
    assert choice.message.content is None
    assert choice.message.tool_calls is not None
    (called,) = choice.message.tool_calls
    assert called.type == "function"
    assert called.id == "call_1"
    assert called.function.name == "get_readiness"
    assert json.loads(called.function.arguments) == {"business_id": "biz_1"}
    (sent,) = openai_fake.state.bodies("/v1/chat/completions")
    assert sent["messages"] == USER
    assert sent["tools"][0]["function"]["name"] == "get_readiness"


def _reassemble(chunks: Iterable[ChatCompletionChunk]) -> tuple[str, list[dict[str, str]], str]:
    """Content, tool calls and finish reason rebuilt from streamed deltas."""
    content, calls, finish = "", dict[int, dict[str, str]](), ""
    for chunk in chunks:
        for choice in chunk.choices:
            content += choice.delta.content or ""
            finish = choice.finish_reason or finish
            for delta in choice.delta.tool_calls or []:
                call = calls.setdefault(delta.index, {"id": "", "name": "", "arguments": ""})
                call["id"] = delta.id or call["id"]
                if delta.function is not None:
                    call["name"] += delta.function.name or ""
                    call["arguments"] += delta.function.arguments or ""
    return content, [calls[i] for i in sorted(calls)], finish


def test_openai_chat_streaming_tool_call(openai_fake: Running[OpenAIState]) -> None:
    calls = [
        tool_call("get_readiness", {"business_id": "biz_1", "as_of": "2026-01-31"}),
        tool_call("get_readiness", {"business_id": "biz_2"}),
    ]
    openai_fake.state.script = [assistant_message("Checking both businesses.", calls)]
    with _openai(openai_fake) as client:
        stream = client.chat.completions.create(
            model="gpt-4o",
            messages=USER,
            tools=TOOLS,
            stream=True,
            stream_options={"include_usage": True},
        )
        chunks = list(stream)

    content, rebuilt, finish = _reassemble(chunks)
    assert content == "Checking both businesses."
    assert finish == "tool_calls"
    assert [json.loads(c["arguments"]) for c in rebuilt] == [
        {"business_id": "biz_1", "as_of": "2026-01-31"},
        {"business_id": "biz_2"},
    ]
    assert {c["name"] for c in rebuilt} == {"get_readiness"}
    assert all(c["id"] for c in rebuilt)
    assert len(chunks) > 6  # really split into deltas
    assert chunks[-1].usage is not None and chunks[-1].usage.total_tokens > 0


async def test_openai_chat_streaming_async_with_served_context() -> None:
    state = OpenAIState(script=[assistant_message("Your score is 72.")])
    async with (
        BackgroundServer(build_openai_app(state)) as url,
        openai.AsyncOpenAI(base_url=f"{url}/v1", api_key="test") as client,
    ):
        stream = await client.chat.completions.create(model="gpt-4o", messages=USER, stream=True)
        chunks = [chunk async for chunk in stream]

    content, rebuilt, finish = _reassemble(chunks)
    assert (content, rebuilt, finish) == ("Your score is 72.", [], "stop")


def test_openai_retries_500_then_succeeds(openai_fake: Running[OpenAIState]) -> None:
    openai_fake.state.fail_next = [500]
    openai_fake.state.script = [script_error(429), assistant_message("recovered")]
    with _openai(openai_fake, max_retries=2) as client:
        completion = client.chat.completions.create(model="gpt-4o", messages=USER)

    assert completion.choices[0].message.content == "recovered"
    assert len(openai_fake.state.bodies("/v1/chat/completions")) == 3


def test_openai_errors_surface_without_retries(openai_fake: Running[OpenAIState]) -> None:
    openai_fake.state.fail_next = [429, 500]
    with _openai(openai_fake, max_retries=0) as client:
        with pytest.raises(openai.RateLimitError) as limited:
            client.embeddings.create(model=MODEL, input="x")
        with pytest.raises(openai.InternalServerError):
            client.embeddings.create(model=MODEL, input="x")

    assert limited.value.response.headers["retry-after"] == "0.01"


def test_openai_timeout(openai_fake: Running[OpenAIState]) -> None:
    openai_fake.state.delay_seconds = 1
    started = time.monotonic()
    with (
        _openai(openai_fake, timeout=0.2, max_retries=0) as client,
        pytest.raises(openai.APITimeoutError),
    ):
        client.embeddings.create(model=MODEL, input="slow")

    assert time.monotonic() - started < 0.9


# ---- Ollama ----------------------------------------------------------------------


def test_ollama_embed_sync(ollama_fake: Running[OllamaState]) -> None:
    with ollama.Client(host=ollama_fake.url) as client:
        response = client.embed(model="nomic-embed-text", input=[DOCS["late"], DOCS["rain"]])
        single = client.embed(model="nomic-embed-text", input="bank loan", dimensions=64)

    assert response.embeddings[0] == embed_text(DOCS["late"])
    assert len(response.embeddings) == 2
    assert single.embeddings == [embed_text("bank loan", dims=64)]
    assert ollama_fake.state.bodies("/api/embed")[1]["input"] == "bank loan"


async def test_ollama_embed_async(ollama_fake: Running[OllamaState]) -> None:
    async with ollama.AsyncClient(host=ollama_fake.url) as client:
        response = await client.embed(model="nomic-embed-text", input="bank loan")

    assert response.embeddings == [embed_text("bank loan")]


def test_ollama_chat_tool_call(ollama_fake: Running[OllamaState]) -> None:
    call = ollama_tool_call("get_readiness", {"business_id": "biz_1"})
    ollama_fake.state.script = [ollama_message(tool_calls=[call])]
    with ollama.Client(host=ollama_fake.url) as client:
        response = client.chat(model="llama3.2", messages=USER, tools=TOOLS)

    assert response.done is True
    assert response.message.tool_calls is not None
    (called,) = response.message.tool_calls
    assert called.function.name == "get_readiness"
    assert called.function.arguments == {"business_id": "biz_1"}
    (sent,) = ollama_fake.state.bodies("/api/chat")
    assert sent["stream"] is False
    assert sent["tools"][0]["function"]["name"] == "get_readiness"


def test_ollama_chat_streaming(ollama_fake: Running[OllamaState]) -> None:
    call = ollama_tool_call("get_readiness", {"business_id": "biz_2"})
    ollama_fake.state.script = [ollama_message("Looking that up for you.", [call])]
    with ollama.Client(host=ollama_fake.url) as client:
        parts = list(client.chat(model="llama3.2", messages=USER, tools=TOOLS, stream=True))

    assert "".join(p.message.content or "" for p in parts) == "Looking that up for you."
    calls = [c for p in parts for c in p.message.tool_calls or []]
    assert [(c.function.name, c.function.arguments) for c in calls] == [
        ("get_readiness", {"business_id": "biz_2"})
    ]
    assert [p.done for p in parts] == [False] * (len(parts) - 1) + [True]
    assert parts[-1].done_reason == "stop"


async def test_ollama_chat_async_stream_and_failure(ollama_fake: Running[OllamaState]) -> None:
    ollama_fake.state.script = [ollama_message("Score: 72.")]
    ollama_fake.state.fail_next = [503]
    async with ollama.AsyncClient(host=ollama_fake.url) as client:
        with pytest.raises(ollama.ResponseError) as failed:
            await client.chat(model="llama3.2", messages=USER)
        stream = await client.chat(model="llama3.2", messages=USER, stream=True)
        text = "".join([part.message.content or "" async for part in stream])

    assert failed.value.status_code == 503
    assert text == "Score: 72."


# ---- Pinecone --------------------------------------------------------------------

DIMS = 64


def _pinecone(fake: Running[PineconeState], **options: Any) -> Pinecone:
    return Pinecone(api_key="test", host=fake.url, **options)


def test_pinecone_create_describe_and_list(pinecone_fake: Running[PineconeState]) -> None:
    with _pinecone(pinecone_fake) as pc:
        created = pc.indexes.create(name="vaultra-kb", dimension=DIMS, metric="cosine")
        described = pc.indexes.describe("vaultra-kb")
        names = [index.name for index in pc.indexes.list()]
        with pytest.raises(pinecone.ConflictError):
            pc.indexes.create(name="vaultra-kb", dimension=DIMS, timeout=-1)
        with pytest.raises(pinecone.NotFoundError):
            pc.indexes.describe("missing")

    assert created.status.ready is True  # create() polled describe until ready
    assert described.host == f"{pinecone_fake.url}/index/vaultra-kb"
    assert (described.dimension, described.metric) == (DIMS, "cosine")
    assert names == ["vaultra-kb"]
    headers = pinecone_fake.state.requests[0].headers
    assert headers["api-key"] == "test"
    assert headers["x-pinecone-api-version"] == "2026-07"


def _upsert_docs(index: Any) -> None:
    index.upsert(
        vectors=[
            {
                "id": key,
                "values": embed_text(text, DIMS),
                "metadata": {"kind": "loan" if key == "loan" else "payment", "text": text},
            }
            for key, text in DOCS.items()
        ],
        namespace="biz-1",
    )
    index.upsert(vectors=[("other", embed_text(DOCS["late"], DIMS))], namespace="biz-2")


def test_pinecone_upsert_and_filtered_query(pinecone_fake: Running[PineconeState]) -> None:
    query = embed_text("late invoice payments", DIMS)
    with _pinecone(pinecone_fake) as pc:
        pc.indexes.create(name="vaultra-kb", dimension=DIMS, metric="cosine")
        with pc.index(name="vaultra-kb") as index:
            _upsert_docs(index)
            ranked = index.query(vector=query, top_k=3, namespace="biz-1", include_metadata=True)
            eq = index.query(
                vector=query, top_k=5, namespace="biz-1", filter={"kind": {"$eq": "payment"}}
            )
            bare = index.query(vector=query, top_k=5, namespace="biz-1", filter={"kind": "loan"})
            within = index.query(
                vector=query,
                top_k=5,
                namespace="biz-1",
                filter={"kind": {"$in": ["loan", "grant"]}},
                include_values=True,
            )

    ids = [m.id for m in ranked.matches]
    assert ids[:2] == ["late", "paid"]
    scores = [m.score for m in ranked.matches]
    assert scores == sorted(scores, reverse=True)
    assert scores[0] == pytest.approx(cosine(query, embed_text(DOCS["late"], DIMS)))
    assert ranked.matches[0].metadata == {"kind": "payment", "text": DOCS["late"]}
    assert ranked.namespace == "biz-1"
    assert [m.id for m in eq.matches][:2] == ["late", "paid"]
    assert {m.id for m in eq.matches} == {"late", "paid", "rain"}
    assert eq.matches[0].metadata is None  # include_metadata defaults to False
    assert [m.id for m in bare.matches] == ["loan"]
    assert [m.id for m in within.matches] == ["loan"]
    assert within.matches[0].values == pytest.approx(embed_text(DOCS["loan"], DIMS))
    sent = pinecone_fake.state.bodies("/index/vaultra-kb/query")
    assert sent[1]["filter"] == {"kind": {"$eq": "payment"}}


def test_pinecone_fetch_delete_and_stats(pinecone_fake: Running[PineconeState]) -> None:
    with _pinecone(pinecone_fake) as pc:
        pc.indexes.create(name="vaultra-kb", dimension=DIMS)
        with pc.index(host=pinecone_fake.url) as index:  # the root host serves the only index
            _upsert_docs(index)
            before = index.describe_index_stats()
            fetched = index.fetch(ids=["late", "nope"], namespace="biz-1")
            index.delete(ids=["late", "paid"], namespace="biz-1")
            index.delete(delete_all=True, namespace="biz-2")
            after = index.describe_index_stats()
            with pytest.raises(pinecone.ApiError, match="dimension"):
                index.upsert(vectors=[("short", [0.1, 0.2])], namespace="biz-1")

    assert before.total_vector_count == 5
    assert before.dimension == DIMS
    assert {name: ns.vector_count for name, ns in before.namespaces.items()} == {
        "biz-1": 4,
        "biz-2": 1,
    }
    assert list(fetched.vectors) == ["late"]
    assert fetched.vectors["late"].metadata == {"kind": "payment", "text": DOCS["late"]}
    assert after.total_vector_count == 2
    assert {name: ns.vector_count for name, ns in after.namespaces.items()} == {"biz-1": 2}
    assert set(pinecone_fake.state.namespace("biz-1")) == {"loan", "rain"}


def test_pinecone_down_makes_client_raise(pinecone_fake: Running[PineconeState]) -> None:
    pinecone_fake.state.down = True
    no_retries = RetryConfig(max_retries=0)
    with _pinecone(pinecone_fake, retry_config=no_retries) as pc:
        with pytest.raises(pinecone.ServiceError) as control:
            pc.indexes.list().to_list()
        # Data-plane REST clients always use the default retries (3); the fake's short
        # retry-after keeps them fast.
        with pc.index(host=pinecone_fake.url) as index, pytest.raises(pinecone.ServiceError):
            index.describe_index_stats()

    assert control.value.status_code == 503
    assert len(pinecone_fake.state.requests) == 1 + 4

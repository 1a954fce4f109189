"""Every request over stdio gets exactly one answer: raw bytes to a real ``vaultra-mcp``
subprocess, including what the SDK's parser refuses (and once dropped without a word)."""

from pathlib import Path

import pytest

from tests.conftest import seed_demo
from tests.databases import SqliteTemplates
from tests.server.test_stdio import server_env
from tests.support.raw_mcp import HOSTILE, call, is_refusal, raw_stdio, stderr_of
from vaultra_mcp.server.wire import top_level

# Read leniently by the SDK's stdio reader (invalid bytes become U+FFFD) or simply valid.
SERVED = {"nul-in-query", "invalid-utf8", "overlong-utf8", "encoded-surrogate-bytes"}


@pytest.fixture
def sqlite_demo_url(sqlite_templates: SqliteTemplates, tmp_path: Path) -> str:
    """The demo on SQLite only: parsing happens before any database is involved."""
    return sqlite_templates.copy("demo", seed_demo, tmp_path / "demo.db")


async def test_every_hostile_request_over_stdio_gets_exactly_one_answer(sqlite_demo_url):
    first = 10
    ids = range(first, first + len(HOSTILE))
    async with raw_stdio(server_env(sqlite_demo_url, VAULTRA_BUSINESS_ID="3")) as raw:
        for request_id, (_, tool, arguments) in zip(ids, HOSTILE, strict=True):
            await raw.send(call(request_id, tool, arguments))
        await raw.until(*ids)
        await raw.send({"jsonrpc": "2.0", "id": 99, "method": "tools/list"})
        await raw.until(99)
    for request_id, (name, _, _) in zip(ids, HOSTILE, strict=True):
        answers = raw.answers(request_id)
        assert len(answers) == 1, name
        assert is_refusal(answers[0]) == (name not in SERVED), (name, answers[0])
    assert len(raw.answers(99)[0]["result"]["tools"]) == 9
    assert "Traceback" not in await stderr_of(raw)


async def test_a_line_without_a_readable_id_gets_a_null_id_parse_error(sqlite_demo_url):
    async with raw_stdio(server_env(sqlite_demo_url, VAULTRA_BUSINESS_ID="3")) as raw:
        await raw.send(b'{"jsonrpc":"2.0","id":"\\udc00","method":"tools/list"}')
        await raw.until(None)
    assert raw.answers(None)[0]["error"]["code"] == -32700


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"jsonrpc":"2.0","id":7,"method":"tools/call"}', (7, True)),
        (
            '{"method":"x","params":' + '{"a":' * 300 + "1" + "}" * 300 + ',"id":"req-1"}',
            ("req-1", True),
        ),
        ('{"params":{"id":5},"method":"x"}', (None, True)),
        ('{"id":"\\ud902","method":"x"}', (None, True)),
        ('{"id":true,"method":"x"}', (None, True)),
        ('{"id":1' + "0" * 30 + ',"method":"x"}', (None, True)),
        ('{"id":4,"result":{"x":"\\ud800"}}', (4, False)),
        ("{this is not json", (None, False)),
    ],
    ids=[
        "plain",
        "id-after-deep-params",
        "nested-id-ignored",
        "surrogate-id",
        "boolean-id",
        "huge-id",
        "response",
        "garbage",
    ],
)
def test_the_request_id_is_found_without_parsing_the_rest(text, expected):
    assert top_level(text) == expected

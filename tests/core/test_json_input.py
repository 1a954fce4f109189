"""The one JSON reader for bodies from outside: what it refuses, and why, in one sentence each."""

from __future__ import annotations

import pytest

from vaultra_mcp.core.json_input import MAX_DEPTH, UnreadableJson, check_value, parse_json


def nested(levels: int) -> str:
    return "[" * levels + "]" * levels


def test_plain_json_is_read():
    assert parse_json(b'{"name": "Caf\\u00e9", "amount": 12.5, "tags": [1, null, true]}') == {
        "name": "Café",
        "amount": 12.5,
        "tags": [1, None, True],
    }


def test_nesting_up_to_the_limit_is_read():
    assert parse_json(nested(MAX_DEPTH)) is not None


@pytest.mark.parametrize("levels", [MAX_DEPTH + 1, 200, 100_000])
def test_nesting_beyond_the_limit_is_refused_whatever_the_depth(levels):
    with pytest.raises(UnreadableJson, match="nested more than 64 levels") as refused:
        parse_json(nested(levels))

    assert refused.value.code == "MALFORMED_JSON"


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity", "1e400", "-1e400"])
def test_numbers_that_are_not_finite_are_refused(number):
    with pytest.raises(UnreadableJson, match="finite"):
        parse_json(f'{{"amount": {number}}}')


@pytest.mark.parametrize("raw", [b'{"name": "\xff"}', b'{"name": "\xed\xa0\x80"}', b"\xfe\xff"])
def test_bytes_that_are_not_utf_8_are_refused(raw):
    with pytest.raises(UnreadableJson, match="UTF-8") as refused:
        parse_json(raw)

    assert refused.value.code == "MALFORMED_TEXT"


@pytest.mark.parametrize("text", [r'{"name": "\ud902"}', r'{"\udc00": 1}', r'["a\u0000b"]'])
def test_text_that_cannot_be_stored_is_refused(text):
    with pytest.raises(UnreadableJson, match="NUL characters or unpaired surrogates") as refused:
        parse_json(text)

    assert refused.value.code == "MALFORMED_TEXT"


@pytest.mark.parametrize("text", ["{not json", "", '{"a": 1,}', "1" * 5_000])
def test_what_is_not_json_is_refused(text):
    with pytest.raises(UnreadableJson, match="not valid JSON"):
        parse_json(text)


def test_a_parsed_value_nested_too_deep_is_refused_without_recursing():
    value: list[object] = []
    for _ in range(50_000):
        value = [value]

    with pytest.raises(UnreadableJson, match="nested"):
        check_value(value)

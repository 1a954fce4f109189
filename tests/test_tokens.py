"""The byte bound that lets a tool result skip tokenization is a bound, and changes no answer."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from vaultra_mcp.tokens import count_tokens, fits_in_tokens

TEXTS = st.text(
    st.characters(codec="utf-8", categories=("L", "N", "P", "S", "Z", "M", "C")), max_size=400
)


@settings(max_examples=300, deadline=None)
@given(TEXTS)
def test_no_text_has_more_tokens_than_utf8_bytes(text):
    assert count_tokens(text) <= len(text.encode())


@settings(max_examples=300, deadline=None)
@given(TEXTS, st.integers(min_value=0, max_value=500))
def test_the_bound_gives_the_exact_counts_answer(text, budget):
    assert fits_in_tokens(text, budget) == (count_tokens(text) <= budget)


def test_a_dense_text_past_its_byte_count_budget_is_counted_exactly():
    dense = "漢字" * 300  # three bytes a character, more than one character a token
    assert not fits_in_tokens(dense, len(dense))
    assert fits_in_tokens(dense, count_tokens(dense))

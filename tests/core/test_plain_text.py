"""What the index stores of a chunk's markdown: plain text on one line, sentences intact."""

from vaultra_mcp.core.corpus import plain_text


def test_a_table_row_becomes_a_sentence_of_header_value_pairs() -> None:
    markdown = (
        "| Product | Minimum |\n|---|---|\n| SBA loan | 650; 700 ideal |\n| Term loan | 600 |"
    )

    assert plain_text(markdown) == (
        "Product: SBA loan, Minimum: 650, 700 ideal. Product: Term loan, Minimum: 600."
    )


def test_list_items_run_together_and_the_last_one_ends_a_sentence() -> None:
    markdown = (
        "You need to be:\n\n- **US-based**\n"
        "- on [Stripe](https://stripe.com) 9 months\n\nThen apply"
    )

    assert plain_text(markdown) == "You need to be: US-based; on Stripe 9 months. Then apply."


def test_an_item_that_is_already_a_sentence_is_not_given_a_semicolon() -> None:
    assert plain_text("- Keep it steady.\n- Grow.") == "Keep it steady. Grow."

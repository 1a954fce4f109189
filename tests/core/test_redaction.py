"""PII becomes typed placeholders; money, dates, percentages and ids are left alone."""

import pytest

from vaultra_mcp.core.redaction import luhn_ok, parse_kinds, redact


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("write to jo.doe+x@acme.co.uk today", "write to [EMAIL] today"),
        ("call (415) 555-0132", "call [PHONE]"),
        ("call +44 20 7946 0958", "call [PHONE]"),
        ("card 4242 4242 4242 4242 on file", "card [CARD] on file"),
        ("card 5555-5555-5555-4444", "card [CARD]"),
        ("SSN 123-45-6789", "SSN [SSN]"),
        ("EIN 12-3456789", "EIN [EIN]"),
        ("account number 000123456789", "account number [BANK_ACCOUNT]"),
        ("routing: 021000021", "routing: [BANK_ACCOUNT]"),
        ("IBAN GB82 WEST 1234 5698 7654 32", "IBAN [BANK_ACCOUNT]"),
    ],
)
def test_each_kind_of_personal_data_gets_its_placeholder(text, expected):
    assert redact(text).text == expected


def test_a_digit_run_that_fails_the_luhn_check_is_not_a_card():
    assert redact("order 4242424242424241").text == "order 4242424242424241"


@pytest.mark.parametrize(
    "text",
    [
        "We made $250,000 in 2025 and $1,094.50 on 2026-11-21.",
        "Disputes were 0.3% of 1,094 payments; recommendation #8.",
        "SBA 7(a) loans go up to $5,000,000 with a DSCR of 1.15x.",
    ],
)
def test_figures_the_assistant_needs_are_left_alone(text):
    assert redact(text).text == text


def test_counts_say_what_was_replaced():
    assert redact("a@b.co, c@d.co, SSN 123-45-6789").counts == {"email": 2, "ssn": 1}


def test_only_the_configured_kinds_are_replaced():
    assert redact("a@b.co, SSN 123-45-6789", parse_kinds("ssn")).text == "a@b.co, SSN [SSN]"


def test_an_unknown_kind_in_the_setting_is_refused():
    with pytest.raises(ValueError, match="passport"):
        parse_kinds("email,passport")


def test_luhn_accepts_a_valid_number_and_rejects_one_digit_off():
    assert luhn_ok("4111111111111111") and not luhn_ok("4111111111111112")

"""Log lines carry no personal data: the filter redacts the formatted message."""

import logging

from vaultra_mcp.log_redaction import RedactingFilter


def test_a_logged_email_and_card_are_redacted_with_their_arguments():
    record = logging.LogRecord(
        "vaultra",
        logging.INFO,
        __file__,
        1,
        "user %s paid with %s",
        ("a@b.co", "4242424242424242"),
        None,
    )

    RedactingFilter().filter(record)

    assert record.getMessage() == "user [EMAIL] paid with [CARD]"


def test_with_no_kinds_configured_the_record_is_untouched():
    record = logging.LogRecord("vaultra", logging.INFO, __file__, 1, "to %s", ("a@b.co",), None)

    RedactingFilter(()).filter(record)

    assert record.getMessage() == "to a@b.co"

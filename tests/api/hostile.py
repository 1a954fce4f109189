"""Bodies no JSON route or webhook may choke on: each with the words its 400 must say."""

from __future__ import annotations

# Each is a JSON value put where a route's free-text field goes (HOLE in a template).
HOSTILE: dict[str, tuple[bytes, str]] = {
    "nested 200 deep": (b"[" * 200 + b"]" * 200, "nested more than 64 levels"),
    "nested 100,000 deep": (b"[" * 100_000 + b"]" * 100_000, "nested more than 64 levels"),
    "lone surrogate escape": (rb'"loan \ud902"', "unpaired surrogates"),
    "NUL escape": (rb'"a\u0000b"', "NUL characters"),
    "invalid UTF-8": (b'"caf\xff"', "UTF-8"),
    "UTF-8 encoded surrogate": (b'"\xed\xa0\x80"', "UTF-8"),
    "NaN": (b"NaN", "finite"),
    "Infinity": (b"-Infinity", "finite"),
    "overflowing number": (b"1e400", "finite"),
}

"""Password hashing: argon2id with OWASP's parameters, off the event loop.

OWASP's Password Storage Cheat Sheet recommends argon2id with at least 19 MiB of memory, two
iterations and one lane. A hash costs tens of milliseconds of CPU, so it runs in a worker thread;
a sign-in for an unknown email still verifies against a dummy hash so both cost the same.
"""

from __future__ import annotations

import asyncio

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

HASHER = PasswordHasher(time_cost=2, memory_cost=19_456, parallelism=1)
MIN_LENGTH = 10
MAX_LENGTH = 256
_DUMMY_HASH = HASHER.hash("vaultra-dummy-password-for-timing")


async def hash_password(password: str) -> str:
    return await asyncio.to_thread(HASHER.hash, password)


async def verify_password(stored_hash: str | None, password: str) -> bool:
    """Whether ``password`` matches; an account without a password never matches."""
    return await asyncio.to_thread(_verify, stored_hash or _DUMMY_HASH, password, stored_hash)


def _verify(stored_hash: str, password: str, real: str | None) -> bool:
    try:
        HASHER.verify(stored_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
    return real is not None


def needs_rehash(stored_hash: str) -> bool:
    """True when the hash was made with weaker parameters than today's."""
    return HASHER.check_needs_rehash(stored_hash)

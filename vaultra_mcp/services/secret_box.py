"""Secrets at rest (Stripe access tokens): Fernet, keyed by ``VAULTRA_ENCRYPTION_KEY``."""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken

from vaultra_mcp.errors import ConfigurationError
from vaultra_mcp.settings import Settings


def _fernet(settings: Settings) -> Fernet:
    try:
        return Fernet(settings.auth.encryption_key.get_secret_value().encode())
    except ValueError:
        raise ConfigurationError(
            "VAULTRA_ENCRYPTION_KEY must be a Fernet key (32 url-safe base64-encoded bytes)"
        ) from None


def encrypt(settings: Settings, plaintext: str) -> str:
    return _fernet(settings).encrypt(plaintext.encode()).decode()


def decrypt(settings: Settings, ciphertext: str) -> str:
    try:
        return _fernet(settings).decrypt(ciphertext.encode()).decode()
    except InvalidToken:
        raise ConfigurationError(
            "A stored secret cannot be decrypted: VAULTRA_ENCRYPTION_KEY has changed."
        ) from None

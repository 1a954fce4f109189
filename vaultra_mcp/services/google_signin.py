"""Sign in with Google: the redirect out, and the account the verified identity maps to.

An identity is matched by Google's subject first; an existing password account with the same
(verified) email is linked to it; otherwise a new account is created without a password.
"""

from __future__ import annotations

import secrets
from functools import cache

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import col

from vaultra_mcp.errors import Conflict
from vaultra_mcp.integrations.google_oidc import GoogleIdentity, GoogleOidc, new_pkce
from vaultra_mcp.models import User
from vaultra_mcp.services.accounts import AccessToken, access_token_for, normalize_email
from vaultra_mcp.services.deps import Deps
from vaultra_mcp.services.oauth_states import consume_state, create_state
from vaultra_mcp.settings import Settings

PURPOSE = "google"


@cache
def _client(settings: Settings) -> GoogleOidc:
    return GoogleOidc(settings)


async def start(deps: Deps) -> str:
    """Where to send the browser: Google's consent page, with a fresh state, nonce and PKCE."""
    google = _client(deps.settings)
    pkce, nonce = new_pkce(), secrets.token_urlsafe(24)
    state = await create_state(deps, PURPOSE, code_verifier=pkce.verifier, nonce=nonce)
    return await google.authorize_url(state, nonce, pkce.challenge)


async def finish(deps: Deps, code: str, state: str) -> AccessToken:
    google = _client(deps.settings)
    pending = await consume_state(deps, PURPOSE, state)
    assert pending.code_verifier is not None and pending.nonce is not None
    identity = await google.identity(code, pending.code_verifier, pending.nonce)
    try:
        user_id = await _user_for(deps, identity)
    except IntegrityError:  # a concurrent first sign-in created the account: now it is found
        user_id = await _user_for(deps, identity)
    return access_token_for(deps, user_id)


async def _user_for(deps: Deps, identity: GoogleIdentity) -> int:
    email = normalize_email(identity.email)
    now = deps.clock.now()
    async with deps.db.transaction() as session:
        found = (
            (
                await session.execute(
                    select(User)
                    .where(
                        or_(
                            col(User.google_subject) == identity.subject,
                            col(User.email) == email,
                        )
                    )
                    .order_by(col(User.google_subject).is_(None))
                )
            )
            .scalars()
            .first()
        )
        if found is None:
            found = User(
                email=email,
                full_name=identity.name,
                google_subject=identity.subject,
                created_at=now,
                updated_at=now,
            )
        elif found.google_subject not in (None, identity.subject):
            raise Conflict(
                "This email belongs to an account linked to a different Google account.",
                code="GOOGLE_ACCOUNT_MISMATCH",
            )
        else:
            found.google_subject = identity.subject
            found.updated_at = now
        if not found.is_active:
            raise Conflict("This account is disabled.", code="ACCOUNT_DISABLED")
        session.add(found)
        await session.flush()
        assert found.id is not None
        return found.id

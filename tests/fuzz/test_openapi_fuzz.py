"""Schemathesis drives every operation of the app's OpenAPI document with generated valid and
invalid input, in process (ASGI, the app's lifespan running), with every check it has: only
documented statuses, headers and bodies, never a 5xx, no request that ignores auth, invalid
input refused and valid input accepted. Each run gets a fresh database per backend; examples
are bounded so the suite stays fast, and generation is derandomized (a fixed seed per
operation) so a failure reproduces."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance
from starlette.applications import Starlette

from api_shell.app import OPERATIONS, PREFIX, create_app
from api_shell.openapi import document
from fakes.stripe import FakeStripe, serve_stripe_fake
from tests.api.conftest import API_SETTINGS, DEVON
from tests.conftest import seed_demo
from tests.databases import PostgresTemplates, SqliteTemplates, backends
from tests.factories import AS_OF, settings_for
from tests.fakes.google_oidc import GoogleState, build_google_app
from vaultra_mcp import __version__
from vaultra_mcp.loopback import BackgroundServer
from vaultra_mcp.services.access import mint_jwt
from vaultra_mcp.settings import Settings

SPEC = document(OPERATIONS, "Vaultra API", __version__, PREFIX)  # what /api/v1/openapi.json serves
SCHEMA = schemathesis.openapi.from_dict(SPEC)
SCHEMA.config.checks.update(included_check_names=["all"])
# NUL characters are refused with a 400 (tested in tests/api/test_hostile_bodies.py); generating
# them for every field would only make schemathesis report that refusal as "valid data rejected".
SCHEMA.config.generation.update(allow_x00=False)
MAX_EXAMPLES = 25
# Whether these accept a request depends on a secret the schema cannot express (an OAuth state
# issued moments before, a signature over the body): a schema-valid guess is rightly a 400.
STATE_CHECKED = {
    "/api/v1/auth/callback/google",
    "/api/v1/integrations/stripe/callback",
    "/api/v1/webhooks/stripe",
}


@pytest.fixture(scope="module")
def integrations() -> Iterator[dict[str, dict[str, str]]]:
    """Every integration configured, against fakes: no route answers "not configured"."""
    google, stripe = GoogleState(), FakeStripe()
    stripe.add_account("acct_schemathesis", "steady_saas", as_of=AS_OF, connected=False)
    with (
        BackgroundServer(build_google_app(google)) as google_url,
        serve_stripe_fake(stripe) as stripe_url,
    ):
        yield {
            "auth": {
                "google_client_id": google.client_id,
                "google_client_secret": google.client_secret,
                "google_discovery_url": f"{google_url}/.well-known/openid-configuration",
            },
            "stripe": {
                "api_base": stripe_url,
                "connect_base": stripe_url,
                "secret_key": stripe.secret_key,
                "connect_client_id": stripe.client_id,
            },
        }


@pytest.fixture(scope="module", params=backends())
def fuzz_settings(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    sqlite_templates: SqliteTemplates,
    postgres_templates: PostgresTemplates | None,
    integrations: dict[str, dict[str, str]],
) -> Iterator[Settings]:
    """Settings over a fresh copy of the demo database, dropped after the run."""
    if request.param == "sqlite":
        target = Path(tmp_path_factory.mktemp("fuzz")) / "fuzz.db"
        url, drop = sqlite_templates.copy("demo", seed_demo, target), None
    else:
        assert postgres_templates is not None
        url, drop = postgres_templates.copy("demo", seed_demo)
    try:
        yield settings_for(url, **API_SETTINGS).changed(**integrations)
    finally:
        if drop is not None:
            drop()


@pytest.fixture
def app(fuzz_settings: Settings) -> Starlette:
    """A fresh app per operation: schemathesis runs its lifespan from the first request and
    ends it when the test ends (an MCP session manager runs once per app)."""
    return create_app(fuzz_settings)


def test_the_fuzzed_document_is_the_one_the_app_serves(fuzz_settings):
    served = schemathesis.openapi.from_asgi(f"{PREFIX}/openapi.json", create_app(fuzz_settings))

    assert served.raw_schema == SPEC


@SCHEMA.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_the_api_keeps_its_openapi_promises(case: Any, app: Starlette, fuzz_settings: Settings):
    token = mint_jwt(fuzz_settings, DEVON, int(AS_OF.timestamp()))
    excluded = [positive_data_acceptance] if case.path in STATE_CHECKED else []

    case.call_and_validate(
        app=app, headers={"Authorization": f"Bearer {token}"}, excluded_checks=excluded
    )

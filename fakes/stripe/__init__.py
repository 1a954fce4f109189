"""A fake of the parts of Stripe's HTTP API that Vaultra uses, served on 127.0.0.1.

What it is for: tests point the official ``stripe`` library at it, so the library does its real
work (form encoding, Bearer keys and ``Stripe-Account``, pagination cursors, retries on
``Stripe-Should-Retry``, exception classes) against deterministic data; and a person running
the product locally with ``VAULTRA_STRIPE_FAKE=1`` can "connect Stripe" and watch a backfill
with no Stripe account or network. Accounts' histories come from the demo generator, so what
the fake serves maps to rows through ``vaultra_mcp.core.stripe_objects`` like real data.

What it imitates: ``GET /v1/{charges,refunds,disputes,payouts,events}`` (list objects,
``limit`` 1-100, ``starting_after``/``ending_before``, ``created`` filters, events' ``type``/
``types``), ``GET /v1/account``, Bearer authentication by the platform key (with
``Stripe-Account``) or an account's OAuth token, Stripe's error bodies and statuses, and
Connect OAuth (``/oauth/authorize``, ``/oauth/token``, ``/oauth/deauthorize``) on the same
origin. Tests can inject 429s, 5xx and latency, and read every request back.

What it does NOT imitate: writes (creating charges, refunds, ...), retrieving one object by
id, ``expand``, search, list filters other than the above (answered with Stripe's "unknown
parameter" 400 rather than ignored), idempotent replay (``Idempotency-Key`` is only recorded),
webhooks and signatures, live mode, Basic auth or ``client_secret``, API-version differences
(objects are the generator's minimal shapes), snapshots in events (``data.object`` is the
object's current state), Stripe's real rate limits, the OAuth consent page (authorization is
granted at once) and Express or Custom accounts.
"""

from fakes.stripe.app import build_app
from fakes.stripe.serve import serve_stripe_fake
from fakes.stripe.state import FakeAccount, FakeStripe, RecordedRequest

__all__ = [
    "FakeAccount",
    "FakeStripe",
    "RecordedRequest",
    "build_app",
    "serve_stripe_fake",
]

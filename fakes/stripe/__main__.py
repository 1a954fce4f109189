"""``python -m fakes.stripe``: the Stripe fake for running locally.

Each chosen demo profile becomes an account waiting to be connected: every "connect Stripe"
through ``/oauth/authorize`` connects the next one, so a person can watch a backfill without a
Stripe account or network.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime

from fakes.stripe.serve import serve_forever
from fakes.stripe.state import FakeStripe
from vaultra_mcp.demo.profiles import PROFILES
from vaultra_mcp.loopback import loopback_socket


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m fakes.stripe",
        description="A local fake of Stripe's API and Connect OAuth, serving demo histories.",
    )
    parser.add_argument("--port", type=int, default=12111, help="0 picks a free port")
    parser.add_argument(
        "--profiles",
        default=",".join(p.key for p in PROFILES),
        help="comma-separated demo profile keys, one account each (default: all)",
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--secret-key", default=FakeStripe.secret_key)
    parser.add_argument("--client-id", default=FakeStripe.client_id)
    parser.add_argument("--redirect-uri", help="used when /oauth/authorize is given none")
    return parser.parse_args(argv)


def build_state(args: argparse.Namespace, as_of: datetime) -> FakeStripe:
    state = FakeStripe(
        secret_key=args.secret_key, client_id=args.client_id, redirect_uri=args.redirect_uri
    )
    for key in filter(None, (k.strip() for k in args.profiles.split(","))):
        account_id = "acct_" + key.replace("_", "")
        state.add_account(account_id, key, as_of=as_of, seed=args.seed, connected=False)
    return state


def describe(state: FakeStripe, url: str) -> str:
    lines = [
        f"Stripe fake at {url}  (STRIPE_API_BASE and STRIPE_CONNECT_BASE)",
        f"  secret key: {state.secret_key}",
        f"  client id:  {state.client_id}",
        f"  connect:    {url}/oauth/authorize?response_type=code&client_id={state.client_id}"
        "&redirect_uri=<your callback>",
        "  accounts, connected in this order:",
    ]
    for account in state.accounts.values():
        charges = len(account.lists["charges"])
        lines.append(f"    {account.id}  {account.profile.name} ({charges:,} charges)")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    try:
        state = build_state(args, datetime.now(UTC))
        sock = loopback_socket(args.port)
    except (ValueError, OSError) as exc:
        sys.stderr.write(f"error: {exc}\n")
        sys.exit(2)
    sys.stdout.write(describe(state, f"http://127.0.0.1:{sock.getsockname()[1]}"))
    sys.stdout.flush()
    try:
        serve_forever(state, sock)
    except KeyboardInterrupt:
        pass
    finally:
        sock.close()


if __name__ == "__main__":
    main()

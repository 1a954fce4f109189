"""``vaultra serve``: the HTTP API, dashboard, webhooks and MCP (at ``/mcp``) in one process."""

from __future__ import annotations

import logging

import click

from vaultra_mcp.cli.app import database_url_option, load_settings

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"


@click.command()
@database_url_option
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option(
    "--scheduler", is_flag=True, help="Also run the job schedule here (one machine, make run)."
)
def serve(database_url: str | None, host: str, port: int, scheduler: bool) -> None:
    """Serve /api/v1 and /mcp over HTTP."""
    import uvicorn

    from api_shell.app import create_app
    from api_shell.middleware import RequestIdFilter
    from vaultra_mcp.core.redaction import parse_kinds
    from vaultra_mcp.log_redaction import RedactingFilter

    settings = load_settings(database_url)
    handler = logging.StreamHandler()
    handler.addFilter(RequestIdFilter())
    handler.addFilter(RedactingFilter(parse_kinds(settings.redact_pii)))
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    logging.basicConfig(level=settings.log_level.upper(), handlers=[handler], force=True)
    if settings.stripe_fake:
        from vaultra_mcp.integrations.stripe_fake.local import start_local_fake

        settings, _, fake = start_local_fake(settings)
        click.echo(
            f"Stripe: the fake Stripe API at {settings.stripe_api_base} (VAULTRA_STRIPE_FAKE=1); "
            f"{len(fake.accounts)} demo accounts wait to be connected via "
            "GET /api/v1/integrations/stripe/connect"
        )
    click.echo(f"Vaultra API on http://{host}:{port}/api/v1 and MCP on http://{host}:{port}/mcp")
    uvicorn.run(
        create_app(settings, scheduler=scheduler),
        host=host,
        port=port,
        log_config=None,
        access_log=False,
        proxy_headers=False,  # the app itself trusts only VAULTRA_TRUSTED_PROXIES
        timeout_graceful_shutdown=5,
    )

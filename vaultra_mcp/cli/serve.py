"""``vaultra serve``: the HTTP API, dashboard, webhooks and MCP (at ``/mcp``) in one process."""

from __future__ import annotations

import click

from vaultra_mcp.cli.app import database_url_option, load_settings


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
    from vaultra_mcp.logs import configure_logging

    settings = load_settings(database_url)
    configure_logging(settings, replace=True)
    if settings.stripe.fake:
        try:  # test support from the source checkout, never shipped in the package
            from fakes.stripe.local import start_local_fake
        except ModuleNotFoundError:
            raise click.UsageError(
                "VAULTRA_STRIPE_FAKE needs the source checkout: run `make run` in it"
            ) from None
        settings, _, fake = start_local_fake(settings)
        click.echo(
            f"Stripe: the fake Stripe API at {settings.stripe.api_base} (VAULTRA_STRIPE_FAKE=1); "
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

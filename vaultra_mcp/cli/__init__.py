"""The ``vaultra`` command line.

Every failure the user can fix (bad URL, unknown job, out-of-range option, unreachable database)
is one line on stderr and exit code 2, before anything is written.
"""

from __future__ import annotations

import sys

import click

from vaultra_mcp.cli.app import cli
from vaultra_mcp.errors import VaultraError

USAGE_ERROR = 2


def main(argv: list[str] | None = None) -> None:
    try:
        cli.main(args=argv, prog_name="vaultra", standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.UsageError as exc:
        click.echo(f"error: {exc.format_message()}", err=True)
        sys.exit(USAGE_ERROR)
    except click.ClickException as exc:
        click.echo(f"error: {exc.format_message()}", err=True)
        sys.exit(exc.exit_code)
    except click.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except VaultraError as exc:
        click.echo(f"error: {exc.message}", err=True)
        sys.exit(USAGE_ERROR)

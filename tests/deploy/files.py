"""What the deployment tests share: where the files are, what the code accepts, and how to read
the files the way Docker Compose and the shell would."""

from __future__ import annotations

import io
import os
import re
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from unittest import mock

from click.testing import CliRunner
from dockerfile_parse import DockerfileParser

from vaultra_mcp.cli.app import cli
from vaultra_mcp.server.__main__ import command as mcp_command
from vaultra_mcp.settings import Settings, variables

ROOT = Path(__file__).resolve().parents[2]
DOCKER = ROOT / "docker"
K8S = DOCKER / "k8s"
ENTRYPOINT = DOCKER / "entrypoint.sh"
MODES = ("serve", "mcp", "scheduler", "migrate")

# Names the deployment sets that Settings does not read, each with who does read it.
NOT_SETTINGS = {
    "POSTGRES_PASSWORD": "the postgres service and DATABASE_URL in compose.yaml",
    "VAULTRA_MIGRATE_ON_START": "docker/entrypoint.sh",
}

# ${NAME}, ${NAME:-default}, ${NAME:?error}, ${NAME:+replacement} and each without the colon, with
# nothing nested inside; nested forms resolve from the inside out.
_INNERMOST = re.compile(r"\$\{(\w+)(?:(:?)([-?+])([^${}]*))?\}")
REFERENCE = re.compile(r"(?<!\$)\$\{?(\w+)")


@cache
def setting_names() -> frozenset[str]:
    """Every environment name Settings reads."""
    return frozenset(variable.name for variable in variables())


def missing_in_production(environment: Mapping[str, str | None]) -> list[str]:
    """What production mode would refuse to start without, given these environment variables
    (the caller clears the process's own Settings variables first)."""
    values = {k: v for k, v in environment.items() if k in setting_names() and v is not None}
    with mock.patch.dict(os.environ, values):
        return Settings().missing_production_secrets()


def interpolate(text: str, variables: Mapping[str, str | None]) -> str:
    """Compose's variable interpolation, enough for docker/compose.yaml."""

    def one(match: re.Match[str]) -> str:
        name, colon, operator, argument = match.groups()
        value = variables.get(name)
        unset = value is None or (colon == ":" and value == "")
        if operator == "?" and unset:
            raise ValueError(f"{name}: {argument}")
        if operator == "-" and unset:
            return str(argument)
        if operator == "+":
            return "" if unset else str(argument)
        return value or ""

    while (resolved := _INNERMOST.sub(one, text)) != text:
        text = resolved
    return text


def cli_accepts(argv: list[str]) -> bool:
    """Whether ``vaultra`` or ``vaultra-mcp`` knows this command and every flag in it."""
    program, *args = argv
    if program == "vaultra-mcp":
        return CliRunner().invoke(mcp_command, [*args, "--help"]).exit_code == 0
    return program == "vaultra" and CliRunner().invoke(cli, [*args, "--help"]).exit_code == 0


@cache
def dockerfile() -> DockerfileParser:
    return DockerfileParser(fileobj=io.BytesIO((DOCKER / "Dockerfile").read_bytes()))


def final_stage() -> list[dict[str, str]]:
    """The Dockerfile's instructions after its last FROM."""
    instructions = [i for i in dockerfile().structure if i["instruction"] != "COMMENT"]
    last_from = max(n for n, i in enumerate(instructions) if i["instruction"] == "FROM")
    return instructions[last_from:]

"""``vaultra --help`` and ``--version`` answer before the heavy libraries are imported.

Checked by what is imported (``sys.modules`` in a fresh interpreter), never by timing it;
``bench/cli.py`` measures the time.
"""

from __future__ import annotations

import importlib
import json
import subprocess
import sys

import pytest

from vaultra_mcp.cli.app import COMMANDS

HEAVY = ("sqlalchemy", "fastmcp", "pydantic_settings", "starlette", "rich", "tiktoken")


def modules_after(code: str) -> set[str]:
    """The top-level packages a fresh interpreter holds after running ``code``."""
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=True
    )
    return {name.split(".")[0] for name in json.loads(result.stdout.strip().splitlines()[-1])}


def test_importing_the_cli_imports_no_database_or_mcp_library():
    loaded = modules_after("import vaultra_mcp.cli")
    assert loaded.isdisjoint(HEAVY), sorted(loaded & set(HEAVY))


@pytest.mark.parametrize("flag", ["--help", "--version"])
def test_help_and_version_import_no_command_module(flag):
    loaded = modules_after(
        "import contextlib, io, sys\n"
        "from vaultra_mcp.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):\n"
        f"    main([{flag!r}])\n"
        "assert not any(m.startswith('vaultra_mcp.cli.') and m != 'vaultra_mcp.cli.app'"
        " for m in sys.modules), sorted(sys.modules)"
    )
    assert loaded.isdisjoint(HEAVY), sorted(loaded & set(HEAVY))


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_the_listed_help_is_the_commands_own(name):
    module, attribute = COMMANDS[name][0].split(":")
    command = getattr(importlib.import_module(module), attribute)
    assert command.get_short_help_str(limit=1_000) == COMMANDS[name][1]


@pytest.mark.parametrize("name", ["db", "token", "stripe", "run", "demo"])
def test_a_commands_help_imports_no_database_library(name):
    loaded = modules_after(
        "import contextlib, io\n"
        "from vaultra_mcp.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):\n"
        f"    main([{name!r}, '--help'])"
    )
    assert "sqlalchemy" not in loaded and "fastmcp" not in loaded

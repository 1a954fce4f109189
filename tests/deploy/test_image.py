"""docker/Dockerfile and docker/entrypoint.sh, read and run without a Docker engine.

The Dockerfile is parsed (dockerfile-parse) and held to what the image promises: two stages on
python:3.11-slim, a fixed non-root user, a health check on /healthz. The entrypoint runs for real
under sh, with ``vaultra`` and ``vaultra-mcp`` on PATH replaced by recorders, so each mode's exact
command line is known; those command lines are then checked against the real CLI.
"""

from __future__ import annotations

import ast
import fnmatch
import os
import shlex
import subprocess
from pathlib import Path

import pytest

from tests.deploy.files import (
    ENTRYPOINT,
    MODES,
    ROOT,
    cli_accepts,
    dockerfile,
    final_stage,
    setting_names,
)

RECORDER = '#!/bin/sh\nprintf \'%s\\n\' "$(basename "$0") $*" >> "$CALLS"\n'
EXPECTED = {
    "serve": ["vaultra serve --host 0.0.0.0 --port 8000"],
    "mcp": ["vaultra-mcp --transport http --host 0.0.0.0 --port 8765 --stateless"],
    "scheduler": ["vaultra jobs schedule"],
    "migrate": ["vaultra db upgrade"],
}


def run_entrypoint(tmp_path: Path, *args: str, **env: str) -> tuple[list[str], str]:
    """The commands the entrypoint runs, in order, and what it printed."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(parents=True, exist_ok=True)
    for program in ("vaultra", "vaultra-mcp"):
        (bin_dir / program).write_text(RECORDER)
        (bin_dir / program).chmod(0o755)
    calls = tmp_path / "calls"
    result = subprocess.run(
        ["sh", str(ENTRYPOINT), *args],
        env={"PATH": f"{bin_dir}:{os.environ['PATH']}", "CALLS": str(calls), **env},
        capture_output=True,
        text=True,
        timeout=10,
        check=True,
    )
    return (calls.read_text().splitlines() if calls.exists() else []), result.stdout


def instructions(name: str) -> list[str]:
    return [i["value"] for i in final_stage() if i["instruction"] == name]


def test_the_image_is_built_in_stages_on_python_311_slim() -> None:
    """The build stages' compilers, caches and node_modules never reach the image that runs:
    only the virtualenv and the web app's static files do."""
    assert dockerfile().is_multistage
    assert set(dockerfile().parent_images) == {"python:3.11-slim", "node:20-bookworm-slim"}
    assert any(value.startswith("--from=build ") for value in instructions("COPY"))
    assert any(value.startswith("--from=web /web/dist ") for value in instructions("COPY"))


def test_the_image_runs_as_a_fixed_non_root_user() -> None:
    """A numeric uid lets Kubernetes' runAsNonRoot verify the user without reading /etc/passwd."""
    user = instructions("USER")[-1].split(":")[0]

    assert user.isdigit() and int(user) != 0


def test_the_health_check_asks_healthz_with_the_standard_library() -> None:
    """python:3.11-slim has no curl or wget; urllib is always there."""
    (check,) = instructions("HEALTHCHECK")

    assert "/healthz" in check and "urllib" in check
    assert "curl" not in check and "wget" not in check


def test_the_image_exposes_the_api_port_and_logs_unbuffered() -> None:
    """Logs reach `docker logs` as they are written, and 8000 is where `serve` listens."""
    assert instructions("EXPOSE") == ["8000"]
    assert dockerfile().envs["PYTHONUNBUFFERED"] == "1"


def test_the_image_serves_by_default_through_the_entrypoint() -> None:
    assert instructions("ENTRYPOINT") == ['["/usr/local/bin/vaultra-entrypoint"]']
    assert instructions("CMD") == ['["serve"]']


def test_every_variable_the_image_sets_for_vaultra_is_a_setting() -> None:
    """A misspelt VAULTRA_ name would be ignored silently, leaving the default in place."""
    ours = {name for name in dockerfile().envs if name.startswith("VAULTRA_")}

    assert ours and ours <= setting_names()


def test_the_build_copies_every_package_pyproject_installs() -> None:
    """`pip install .` in the image finds only what was copied in; a missing package would
    install without complaint and fail at the first import."""
    setup = ast.parse((ROOT / "setup.py").read_text())
    calls = [node for node in ast.walk(setup) if isinstance(node, ast.keyword)]
    found = next(k.value for k in calls if k.arg == "include")
    mapped = next(k.value for k in calls if k.arg == "package_dir")
    assert isinstance(found, ast.List) and isinstance(mapped, ast.Dict)
    packages = {ast.literal_eval(e).rstrip("*") for e in found.elts}
    packages |= {ast.literal_eval(v) for v in mapped.values if v is not None}
    copied = {
        word
        for i in dockerfile().structure
        if i["instruction"] == "COPY"
        for word in i["value"].split()[:-1]
    }

    assert packages == {"vaultra_mcp", "api_shell", "evals", "knowledge"}
    assert packages | {"setup.py", "pyproject.toml"} <= copied


def test_nothing_the_dockerfile_copies_is_missing_or_left_out_by_dockerignore() -> None:
    ignored = [
        line
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line and not line.startswith("#")
    ]
    sources = [
        word
        for i in dockerfile().structure
        if i["instruction"] == "COPY" and "--from=" not in i["value"]
        for word in i["value"].split()[:-1]
        if not word.startswith("--")
    ]

    for source in sources:
        assert (ROOT / source).exists(), source
        assert not any(
            fnmatch.fnmatch(source, pattern) or source.startswith(pattern.rstrip("/") + "/")
            for pattern in ignored
        ), source


def test_the_entrypoint_is_valid_shell() -> None:
    for shell in ("bash", "sh"):
        result = subprocess.run([shell, "-n", str(ENTRYPOINT)], capture_output=True, text=True)
        assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("mode", MODES)
def test_each_mode_runs_its_command(tmp_path: Path, mode: str) -> None:
    calls, _ = run_entrypoint(tmp_path, mode)

    assert calls == EXPECTED[mode]


def test_extra_arguments_after_a_mode_reach_its_command(tmp_path: Path) -> None:
    """`serve --scheduler` is the one-machine setup: API and schedule in one container."""
    calls, _ = run_entrypoint(tmp_path, "serve", "--scheduler")

    assert calls == ["vaultra serve --host 0.0.0.0 --port 8000 --scheduler"]


def test_serve_migrates_first_only_when_asked(tmp_path: Path) -> None:
    asked, _ = run_entrypoint(tmp_path / "asked", "serve", VAULTRA_MIGRATE_ON_START="1")
    default, _ = run_entrypoint(tmp_path / "default", "serve")

    assert asked == ["vaultra db upgrade", *EXPECTED["serve"]]
    assert default == EXPECTED["serve"]


def test_serve_is_the_mode_when_none_is_given(tmp_path: Path) -> None:
    calls, _ = run_entrypoint(tmp_path)

    assert calls == EXPECTED["serve"]


def test_any_other_command_runs_as_given(tmp_path: Path) -> None:
    """So a CronJob can run `vaultra jobs run NAME` and an operator can open a shell."""
    calls, _ = run_entrypoint(tmp_path, "vaultra", "jobs", "run", "compute_metrics")
    _, echoed = run_entrypoint(tmp_path, "echo", "hello from the image")

    assert calls == ["vaultra jobs run compute_metrics"]
    assert echoed == "hello from the image\n"


@pytest.mark.parametrize("mode", MODES)
def test_every_command_the_entrypoint_runs_exists_with_those_flags(
    tmp_path: Path, mode: str
) -> None:
    """The CLI is the contract: a renamed command or flag fails here, not in a container."""
    calls, _ = run_entrypoint(tmp_path, mode, VAULTRA_MIGRATE_ON_START="1")

    for call in calls:
        assert cli_accepts(shlex.split(call)), call

"""The MCP Inspector CLI lists and calls every tool over stdio and HTTP.

The work is in scripts/inspector_check.py, which a person can also run by hand.
"""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "inspector_check.py"


@pytest.mark.skipif(shutil.which("npm") is None, reason="the Inspector needs Node.js and npm")
@pytest.mark.timeout(600)
def test_the_inspector_cli_calls_every_tool_over_stdio_and_http():
    done = subprocess.run(
        [sys.executable, str(SCRIPT)], capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert done.stdout.count(" ok ") == 18
    assert "Traceback" not in done.stderr

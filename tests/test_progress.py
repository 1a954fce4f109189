"""Progress bars show on a terminal and stay out of files and pipes."""

from vaultra_mcp.progress import progress


def test_off_a_terminal_progress_is_silent():
    assert progress().disable


def test_on_a_terminal_progress_shows(monkeypatch):
    monkeypatch.setenv("FORCE_COLOR", "1")  # how rich is told standard error is a terminal
    assert not progress().disable

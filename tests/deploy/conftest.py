from __future__ import annotations

import pytest

from tests.deploy.files import setting_names


@pytest.fixture
def no_settings_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Settings built by a test see only the deployment file's values, not this shell's."""
    for name in setting_names():
        monkeypatch.delenv(name, raising=False)

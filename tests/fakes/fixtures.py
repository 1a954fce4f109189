"""Pytest fixtures serving each fake with fresh state for one test.

Import the ones you need into a ``conftest.py`` (``from tests.fakes.fixtures import
openai_fake``); each yields a ``Running`` with the base URL and the state to script
and inspect. They are plain (sync) fixtures and work in async tests as well, because
the server runs on its own thread and loop.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Generic, TypeVar

import pytest

from tests.fakes.common import FakeState
from tests.fakes.google_oidc import GoogleState, build_google_app
from tests.fakes.ollama_api import OllamaState, build_ollama_app
from tests.fakes.openai_api import OpenAIState, build_openai_app
from tests.fakes.pinecone_api import (
    PineconeState,
    build_pinecone_app,
    reset_pinecone_retry_budget,
)
from vaultra_mcp.loopback import BackgroundServer

S = TypeVar("S", bound=FakeState)


@dataclass
class Running(Generic[S]):
    """A fake being served: where it listens and the state behind it."""

    url: str
    state: S


@pytest.fixture
def openai_fake() -> Iterator[Running[OpenAIState]]:
    """The OpenAI fake; point clients at ``f"{fake.url}/v1"``."""
    state = OpenAIState()
    with BackgroundServer(build_openai_app(state)) as url:
        yield Running(url, state)


@pytest.fixture
def ollama_fake() -> Iterator[Running[OllamaState]]:
    """The Ollama fake; point clients at ``fake.url``."""
    state = OllamaState()
    with BackgroundServer(build_ollama_app(state)) as url:
        yield Running(url, state)


@pytest.fixture
def pinecone_fake() -> Iterator[Running[PineconeState]]:
    """The Pinecone fake (control and data plane at ``fake.url``), retry budget refilled."""
    reset_pinecone_retry_budget()
    state = PineconeState()
    with BackgroundServer(build_pinecone_app(state)) as url:
        yield Running(url, state)


@pytest.fixture
def google_fake() -> Iterator[Running[GoogleState]]:
    """The Google OIDC fake; discovery at ``f"{fake.url}/.well-known/openid-configuration"``."""
    state = GoogleState()
    with BackgroundServer(build_google_app(state)) as url:
        yield Running(url, state)

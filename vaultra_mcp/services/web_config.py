"""What the web app needs to know about this deployment before anyone signs in.

Which sign-in and connection buttons to show, which assistant answers, and the knowledge
sources it may link to: the chat renders model output as untrusted text, and a link survives
only when its host is one Vaultra's corpus or scoring method cites. Read from the corpus files
(no index needed) once per corpus version.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel

from vaultra_mcp.core import thresholds as t
from vaultra_mcp.core.link_safety import LinkPolicy
from vaultra_mcp.core.method import COMPONENTS
from vaultra_mcp.services.deps import Deps
from vaultra_mcp.services.knowledge import corpus_fingerprint, load_corpus


class SourceDocument(BaseModel):
    doc_id: str
    title: str
    url: str


class WebConfig(BaseModel):
    google_signin: bool
    stripe_connect: bool
    assistant: str
    assistant_model: str
    mcp_url: str
    source_hosts: list[str]
    documents: list[SourceDocument]


def method_urls() -> list[str]:
    """Every page the scoring method cites."""
    return [
        *(scale.source.url for _, _, scale in COMPONENTS),
        t.TIER_SOURCE.url,
        t.IN_STORE.url,
        *(norm.url for norm in t.REFUND_NORMS.values()),
    ]


@lru_cache(maxsize=4)
def _corpus(directory: str, fingerprint: str) -> tuple[list[SourceDocument], tuple[str, ...]]:
    documents = load_corpus(Path(directory))
    urls = [*method_urls()]
    for d in documents:
        urls += [d.url, *d.sources]
    listed = [SourceDocument(doc_id=d.doc_id, title=d.title, url=d.url) for d in documents]
    return listed, tuple(urls)


def _sources(deps: Deps) -> tuple[list[SourceDocument], tuple[str, ...]]:
    directory = Path(deps.settings.knowledge.dir)
    return _corpus(str(directory), corpus_fingerprint(directory))


def link_policy(deps: Deps) -> LinkPolicy:
    """The links an assistant's answer may keep: to the public sources the web app links to
    (the corpus's and the scoring method's), and to this app's own public URL."""
    _, urls = _sources(deps)
    return _policy(urls, deps.settings.http.public_url)


@lru_cache(maxsize=4)
def _policy(urls: tuple[str, ...], public_url: str) -> LinkPolicy:
    """Built once per corpus and URL, not once per chat turn: a few hundred URLs to parse."""
    return LinkPolicy.of(urls, public_url)


def web_config(deps: Deps, assistant: str, assistant_model: str) -> WebConfig:
    settings = deps.settings
    documents, urls = _sources(deps)
    return WebConfig(
        google_signin=bool(settings.auth.google_client_id and settings.auth.google_client_secret),
        stripe_connect=bool(settings.stripe.connect_client_id),
        assistant=assistant,
        assistant_model=assistant_model,
        mcp_url=settings.http.public_url.rstrip("/") + "/mcp",
        source_hosts=sorted(LinkPolicy.of(urls).hosts),
        documents=documents,
    )

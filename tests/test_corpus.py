"""The knowledge corpus keeps its promises: cited, honest and covering what owners ask about."""

import re
from pathlib import Path
from typing import get_args

import pytest

from vaultra_mcp.core.corpus import CATEGORIES
from vaultra_mcp.core.method import COMPONENTS
from vaultra_mcp.server.tools.knowledge import Category
from vaultra_mcp.services.knowledge import load_corpus

DOCUMENTS = load_corpus(Path(__file__).resolve().parents[1] / "knowledge")
BY_ID = {d.doc_id: d for d in DOCUMENTS}
INLINE_LINK = re.compile(r"\]\((https?://[^)\s]+)\)")
REQUIRED_TOPICS = (
    "sba-7a",
    "sba-7a-small-loan",
    "sba-express",
    "sba-microloan",
    "bank-term-loans",
    "bank-lines-of-credit",
    "online-lines-of-credit",
    "equipment-financing",
    "invoice-factoring",
    "merchant-cash-advance",
    "revenue-based-financing",
    "stripe-capital",
    "square-loans",
    "shopify-capital",
    "clearco",
    "what-lenders-look-at",
    "visa-dispute-programs",
    "mastercard-chargeback-programs",
    "stripe-dispute-metrics",
    "refunds-and-returns",
    "revenue-volatility-and-seasonality",
    "customer-concentration",
    "paydex",
    "experian-intelliscore",
    "equifax-business-credit",
    "sbfe",
    "building-business-credit",
    "loan-documents-checklist",
    "dscr",
    "vaultra-readiness-score",
)


def test_the_corpus_has_at_least_thirty_documents_in_every_category() -> None:
    assert len(DOCUMENTS) >= 30
    assert {d.category for d in DOCUMENTS} == set(CATEGORIES)


@pytest.mark.parametrize("doc_id", REQUIRED_TOPICS)
def test_each_required_topic_has_a_document(doc_id: str) -> None:
    assert doc_id in BY_ID


@pytest.mark.parametrize("key", [key for key, _, _ in COMPONENTS])
def test_each_score_component_has_an_improvement_guide(key: str) -> None:
    assert f"improve-{key.replace('_', '-')}" in BY_ID


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda d: d.doc_id)
def test_every_source_is_cited_inline(document) -> None:
    assert set(document.sources) <= set(INLINE_LINK.findall(document.body))


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda d: d.doc_id)
def test_no_document_repeats_an_unverified_claim(document) -> None:
    assert "not verified" not in document.body.lower()


def test_the_search_tool_offers_exactly_the_corpus_categories() -> None:
    assert get_args(Category) == CATEGORIES


# Copies of official pages on other hosts; each document cites the owner's own page instead.
MIRRORS = ("rp.liu233w.com", "pamojaone.org", "legalfix.com", "web.archive.org./")


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda d: d.doc_id)
def test_no_document_cites_a_mirror_of_an_official_page(document) -> None:
    cited = [document.url, *document.sources, *INLINE_LINK.findall(document.body)]
    assert not [url for url in cited if any(mirror in url for mirror in MIRRORS)]
    assert "mirror" not in document.body.lower()

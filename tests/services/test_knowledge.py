import shutil
from pathlib import Path

import pytest

from vaultra_mcp.errors import InvalidInput
from vaultra_mcp.integrations.local_store import LocalStore
from vaultra_mcp.services.knowledge import KnowledgeBase, ingest
from vaultra_mcp.services.retrieval import PASSAGE_BUDGET, search_knowledge
from vaultra_mcp.settings import Settings
from vaultra_mcp.tokens import count_tokens

CORPUS = Path(__file__).resolve().parents[2] / "knowledge"
REST = "sources: [https://a.b]\nurl: https://a.b\nupdated: 2026-11-21\n"


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    copy = tmp_path / "knowledge"
    shutil.copytree(CORPUS, copy)
    return copy


@pytest.fixture
async def kb(corpus: Path, tmp_path: Path):
    base = KnowledgeBase(
        Settings(knowledge={"dir": str(corpus), "index": str(tmp_path / "k.sqlite")})
    )
    yield base
    await base.close()


def test_ingest_is_idempotent_and_touches_only_changed_chunks(corpus, tmp_path):
    store = LocalStore(tmp_path / "index.sqlite")
    first = ingest(store, corpus)
    assert first.documents >= 30 and first.added == first.chunks
    again = ingest(store, corpus)
    assert (again.added, again.updated, again.deleted, again.unchanged) == (0, 0, 0, first.chunks)
    doc = corpus / "sbfe.md"
    doc.write_text(
        doc.read_text().replace(
            "Small Business Financial Exchange", "Small Business Financial Exchange (SBFE)", 1
        )
    )
    edited = ingest(store, corpus)
    assert edited.updated >= 1 and edited.added == edited.deleted == 0
    assert edited.unchanged == first.chunks - edited.updated


def test_removing_a_document_removes_its_chunks(corpus, tmp_path):
    store = LocalStore(tmp_path / "index.sqlite")
    ingest(store, corpus)
    (corpus / "sbfe.md").unlink()
    report = ingest(store, corpus)
    assert report.deleted > 0 and store.document("sbfe") is None


@pytest.mark.parametrize(
    ("front_matter", "message"),
    [
        ("title: x\ndoc_id: sbfe\n", ":2: front matter is missing category, sources, url, updated"),
        ('title: "unclosed\ndoc_id: sbfe\n', "invalid front matter"),
        ("title: x\ndoc_id: sbfe\ncategory: gossip\n" + REST, "category 'gossip'"),
        ("title: x\ndoc_id: Not An Id\ncategory: documents\n" + REST, "doc_id 'Not An Id'"),
    ],
)
def test_broken_front_matter_names_the_file_and_line_and_writes_nothing(
    corpus, tmp_path, front_matter, message
):
    store = LocalStore(tmp_path / "index.sqlite")
    ingest(store, corpus)
    before = store.chunk_hashes()
    (corpus / "sbfe.md").write_text(f"---\n{front_matter}---\n\n## Body\n\nText.\n")
    with pytest.raises(InvalidInput) as raised:
        ingest(store, corpus)
    assert "sbfe.md:" in raised.value.message and message in raised.value.message
    assert store.chunk_hashes() == before


def test_a_file_without_front_matter_is_named(corpus, tmp_path):
    (corpus / "notes.md").write_text("just some notes\n")
    with pytest.raises(InvalidInput, match=r"notes\.md:1: front matter must start"):
        ingest(LocalStore(tmp_path / "i.sqlite"), corpus)


async def test_the_index_rebuilds_itself_when_the_corpus_changes(kb, corpus):
    assert (await search_knowledge(kb, "SBFE")).passages
    await kb.close()
    (corpus / "zz-test-doc.md").write_text(
        '---\ntitle: "Zebra financing"\ndoc_id: zz-test-doc\ncategory: documents\n'
        "sources: [https://example.com]\nurl: https://example.com\nupdated: 2026-11-21\n---\n\n"
        "## Zebras\n\nZebra financing is a made-up product used only by this test.\n"
    )
    assert (await search_knowledge(kb, "zebra financing")).passages[0].doc_id == "zz-test-doc"


async def test_a_broken_edit_keeps_the_last_good_index_serving(kb, corpus, caplog):
    assert (await search_knowledge(kb, "SBFE")).passages
    await kb.close()
    (corpus / "broken.md").write_text("---\ntitle: [unclosed\n---\nbody\n")

    result = await search_knowledge(kb, "SBFE")

    assert "sbfe" in {p.doc_id for p in result.passages}
    assert "broken.md:" in caplog.text


async def test_a_first_index_from_a_broken_corpus_is_an_error(kb, corpus):
    (corpus / "broken.md").write_text("---\ntitle: [unclosed\n---\nbody\n")

    with pytest.raises(InvalidInput, match=r"broken\.md:"):
        await search_knowledge(kb, "SBFE")


@pytest.mark.parametrize(
    "question",
    [
        "How many months on Stripe before Stripe Capital?",
        "how do chargebacks affect my business",
        "what is PAYDEX",
        "What is the SBA guaranty on a $200k loan?",
        "what do lenders look at before approving a loan",
    ],
)
async def test_answerable_questions_are_confident(kb, question):
    result = await search_knowledge(kb, question)
    assert result.passages and not result.low_confidence


@pytest.mark.parametrize(
    "question",
    [
        "best sourdough starter hydration",
        "what is the capital of France",
        "how do I hire a good lawyer for my divorce",
        "weather tomorrow in Paris",
    ],
)
async def test_off_topic_questions_are_flagged_low_confidence(kb, question):
    result = await search_knowledge(kb, question)
    assert result.low_confidence and result.note


async def test_passages_are_short_cited_excerpts(kb):
    result = await search_knowledge(kb, "What counts toward Visa's VAMP ratio?", top_k=3)
    top = result.passages[0]
    assert top.doc_id == "visa-dispute-programs" and top.url.startswith("https://")
    assert len(top.text) < 700 and "](" not in top.text  # plain text, no markdown links


@pytest.mark.parametrize(
    ("query", "top_k", "category"),
    [
        ("", 5, None),
        ("x" * 501, 5, None),
        ("loans", 0, None),
        ("loans", 11, None),
        ("loans", 5, "gossip"),
    ],
)
async def test_bad_searches_are_rejected(kb, query, top_k, category):
    with pytest.raises(InvalidInput):
        await search_knowledge(kb, query, top_k, category)


async def test_the_passage_is_the_part_of_the_section_that_holds_the_fact(kb):
    result = await search_knowledge(kb, "how long must I process on Stripe before Stripe Capital?")

    assert any("9 months" in p.text for p in result.passages if p.doc_id == "stripe-capital")


@pytest.mark.parametrize(
    "question",
    [
        "What counts toward Visa's VAMP ratio?",
        "revenue based financing repayment cap",
        "what documents do lenders want",
        "credit score minimums by product",
    ],
)
async def test_every_passage_ends_on_a_sentence(kb, question):
    result = await search_knowledge(kb, question)

    assert result.passages
    assert all(p.text.endswith((".", "!", "?", '"', ")")) for p in result.passages), [
        p.text[-40:] for p in result.passages
    ]


async def test_the_token_budget_decides_how_many_passages_fit(kb):
    roomy = await search_knowledge(kb, "merchant cash advance factor rate holdback", top_k=10)
    tight = await search_knowledge(
        kb, "merchant cash advance factor rate holdback", top_k=10, budget=200
    )

    assert sum(count_tokens(p.text) for p in roomy.passages) <= PASSAGE_BUDGET
    assert sum(count_tokens(p.text) for p in tight.passages) <= 200
    assert 1 <= len(tight.passages) < len(roomy.passages)


async def test_one_document_may_give_several_passages_when_they_rank(kb):
    result = await search_knowledge(kb, "revenue based financing RBF", top_k=5)

    assert sum(p.doc_id == "revenue-based-financing" for p in result.passages) > 2


async def test_a_lexical_search_says_so(kb):
    result = await search_knowledge(kb, "PAYDEX")

    assert (result.mode, result.degraded) == ("lexical", False)

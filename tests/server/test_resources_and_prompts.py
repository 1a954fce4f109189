import pytest
from mcp.shared.exceptions import MCPError

from tests.server.clients import connect
from vaultra_mcp.core import thresholds as t


async def test_every_knowledge_document_is_a_resource(demo_deps):
    async with connect(demo_deps) as client:
        uris = {str(r.uri) for r in await client.list_resources()}
        templates = {t.uri_template for t in await client.list_resource_templates()}
    assert "vaultra://knowledge/stripe-capital" in uris
    assert "vaultra://method/readiness" in uris
    assert sum(u.startswith("vaultra://knowledge/") for u in uris) >= 30
    assert "vaultra://knowledge/{doc_id}" in templates


async def test_a_knowledge_document_reads_with_its_sources(demo_deps):
    async with connect(demo_deps) as client:
        contents = await client.read_resource("vaultra://knowledge/stripe-capital")
    text = contents[0].text
    assert text.startswith("# Stripe Capital")
    assert "https://docs.stripe.com/capital" in text and "9 months" in text


async def test_an_unknown_document_is_a_clear_error(demo_deps):
    async with connect(demo_deps) as client:
        with pytest.raises(MCPError, match="DOCUMENT_NOT_FOUND"):
            await client.read_resource("vaultra://knowledge/how-to-rob-a-bank")
        with pytest.raises(MCPError):
            await client.read_resource("vaultra://knowledge/../../etc/passwd")


async def test_the_method_resource_uses_the_codes_thresholds(demo_deps):
    async with connect(demo_deps) as client:
        text = (await client.read_resource("vaultra://method/readiness"))[0].text
    assert f"capped at {t.SHORT_HISTORY_CAP}" in text
    for band in t.DISPUTE_ACTIVITY.bands:
        assert f"< {band.bound:g}: {band.points} points" in text
    assert "80+: Lender-ready" in text


async def test_prompts_are_listed_and_render(demo_deps):
    async with connect(demo_deps) as client:
        names = {p.name for p in await client.list_prompts()}
        review = await client.get_prompt("readiness_review", {"business_id": "3"})
        prep = await client.get_prompt("lender_preparation", {"product": "sba_7a"})
    assert names == {"readiness_review", "lender_preparation"}
    assert "get_readiness_breakdown" in review.messages[0].content.text
    assert "business 3" in review.messages[0].content.text
    assert "SBA 7(a) loan" in prep.messages[0].content.text


async def test_an_unknown_product_prompt_is_rejected(demo_deps):
    async with connect(demo_deps) as client:
        with pytest.raises(Exception, match="Unknown product"):
            await client.get_prompt("lender_preparation", {"product": "crypto_loan"})

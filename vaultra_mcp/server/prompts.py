"""Prompts: a readiness review, and a checklist for approaching a lender about one product.

No ``from __future__ import annotations`` here: FastMCP resolves prompt argument types without
this module's namespace, so the annotations must be real objects.
"""

from typing import Annotated

from fastmcp import FastMCP
from pydantic import Field

from vaultra_mcp.core.funding import PRODUCTS
from vaultra_mcp.errors import InvalidInput
from vaultra_mcp.server.errors import domain_errors

PRODUCT_NAMES = {p.key: p.name for p in PRODUCTS}
ProductArg = Annotated[str, Field(description="A product key: " + ", ".join(PRODUCT_NAMES))]
BusinessArg = Annotated[str | None, Field(description="Business id, if you have several.")]


def _which(business_id: str | None) -> str:
    return f" for business {business_id}" if business_id else ""


def register_prompts(mcp: FastMCP) -> None:
    @mcp.prompt
    async def readiness_review(business_id: BusinessArg = None) -> str:
        """Review how ready the business is for financing and what to do next."""
        which = _which(business_id)
        return (
            f"Review my funding readiness{which}. Call get_business_context, "
            f"get_readiness_breakdown, get_top_recommendations (limit 3) and get_funding_options"
            f"{which}. Then write, briefly: (1) my score and tier; (2) the two or three things "
            "hurting most, each with its number and the threshold it is judged against; (3) the "
            "next three actions with their estimated score gains; (4) the most realistic funding "
            "options and what is still unknown (such as credit scores). Use only numbers from the "
            "tools, cite knowledge passages (search_knowledge) for any lending rule you mention, "
            "and do not promise that any lender will approve."
        )

    @mcp.prompt
    @domain_errors
    async def lender_preparation(product: ProductArg, business_id: BusinessArg = None) -> str:
        """A checklist for approaching a lender about one financing product."""
        if product not in PRODUCT_NAMES:
            known = ", ".join(PRODUCT_NAMES)
            raise InvalidInput(f"Unknown product {product!r}; use one of: {known}.")
        name = PRODUCT_NAMES[product]
        which = _which(business_id)
        return (
            f"Help me prepare to apply for {name}{which}. Call get_funding_options{which} and "
            f"report which {name} criteria I meet, miss or cannot tell from Stripe data. Search "
            f"the knowledge base (search_knowledge) for {name} requirements and for the documents "
            "lenders ask for, and turn them into a checklist: documents to gather, numbers to "
            "improve first (with get_top_recommendations), and questions to ask the lender. Cite "
            "each requirement's source. Say plainly that approval is the lender's decision."
        )

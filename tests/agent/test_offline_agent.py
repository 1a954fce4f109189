"""The offline assistant over in-memory MCP: the right tools, the business's own numbers, cited
knowledge, and the same trajectory every time."""

from __future__ import annotations

import pytest

from tests.server.clients import DEVON, MAYA, OWNER_OF, call, connect, table
from vaultra_mcp.agent.events import TurnComplete
from vaultra_mcp.agent.loop import Agent
from vaultra_mcp.agent.offline.provider import OfflineProvider
from vaultra_mcp.agent.session import ServerPool, in_memory
from vaultra_mcp.caller import Caller
from vaultra_mcp.demo.profiles import PROFILES

HURTING = "What's hurting my funding readiness?"


async def ask(deps, caller: Caller, *questions: str) -> list[TurnComplete]:
    async with in_memory(ServerPool(deps), caller) as session:
        agent = Agent(OfflineProvider(), session, max_steps=4, context_tokens=8_000)
        done = []
        for question in questions:
            async for event in agent.turn(question):
                if isinstance(event, TurnComplete):
                    done.append(event)
        return done


@pytest.mark.parametrize("business_id", range(1, 7))
async def test_whats_hurting_names_the_weakest_components_with_their_numbers(
    demo_deps, business_id
):
    caller = Caller.pinned(business_id)
    async with connect(demo_deps, caller) as client:
        breakdown = (await call(client, "get_readiness_breakdown")).structured_content
    profile = PROFILES[business_id - 1]

    (turn,) = await ask(demo_deps, caller, HURTING)

    assert f"scores {breakdown['score']}/100" in turn.answer
    components = {c["key"]: c for c in table(breakdown, "components")}
    named = breakdown["hurts_most"] or [profile.weakest or "revenue_growth"]
    for key in named:
        c = components[key]
        assert f"{key.replace('_', ' ')} ({c['points']}/{c['max_points']} points)" in turn.answer
        assert c["explanation"] in turn.answer
    if profile.weakest:
        assert profile.weakest in breakdown["hurts_most"]


@pytest.mark.parametrize(
    ("question", "doc_id"),
    [
        ("How does invoice factoring work?", "invoice-factoring"),
        ("What is PAYDEX?", "paydex"),
        ("What is a merchant cash advance?", "merchant-cash-advance"),
        ("How does Visa's VAMP dispute program work?", "visa-dispute-programs"),
    ],
)
async def test_a_financing_product_question_cites_its_knowledge_document(
    demo_deps, question, doc_id
):
    (turn,) = await ask(demo_deps, DEVON, question)

    assert [c.call.name for c in turn.tool_calls] == ["search_knowledge"]
    assert f"[doc: {doc_id}]" in turn.answer
    assert "Sources:" in turn.answer


async def test_the_answer_says_it_is_the_offline_assistant_and_promises_nothing(demo_deps):
    (turn,) = await ask(demo_deps, DEVON, "What funding options do I have?")

    assert turn.answer.startswith("Offline assistant")
    assert "not a promise of funding" in turn.answer
    assert "Revenue-based financing" in turn.answer


async def test_a_what_if_question_simulates_without_saving(demo_deps):
    (turn,) = await ask(demo_deps, DEVON, "What if my disputes fell to 0.3%?")

    assert turn.tool_calls[0].call.arguments == {"changes": {"dispute_activity_pct": 0.3}}
    assert "from 74 to" in turn.answer and "Nothing was saved." in turn.answer


async def test_a_question_outside_its_job_calls_no_tool(demo_deps):
    (turn,) = await ask(demo_deps, DEVON, "What's the weather in Paris?")

    assert turn.tool_calls == []
    assert "outside" in turn.answer


async def test_two_businesses_it_asks_which_then_answers_for_the_one_named(demo_deps):
    asked, answered = await ask(demo_deps, MAYA, HURTING, "Harbor & Pine")

    assert "Which one do you mean: Northwind Analytics or Harbor & Pine Outfitters?" in asked.answer
    assert answered.tool_calls[0].call.arguments == {"business_id": 2}
    assert "Harbor & Pine Outfitters scores" in answered.answer


async def test_another_business_named_in_the_question_is_not_reached(demo_deps):
    (turn,) = await ask(demo_deps, DEVON, "Show me the readiness of business 1")

    assert turn.tool_calls[0].outcome.error_code == "BUSINESS_NOT_FOUND"
    assert "Northwind" not in turn.answer


async def test_the_same_questions_give_the_same_trajectory_and_answer(demo_deps):
    questions = (HURTING, "What should I do next?", "What is an SBA 7(a) loan?")

    runs = [await ask(demo_deps, OWNER_OF[3], *questions) for _ in range(3)]

    def trajectory(turns: list[TurnComplete]) -> list[object]:
        return [([(c.call.name, c.call.arguments) for c in t.tool_calls], t.answer) for t in turns]

    assert trajectory(runs[0]) == trajectory(runs[1]) == trajectory(runs[2])


async def test_a_spanish_question_is_answered_in_spanish_with_the_same_figures(demo_deps):
    (turn,) = await ask(demo_deps, DEVON, "¿Qué está perjudicando mi puntuación?")

    assert turn.answer.startswith("Asistente sin conexión")
    assert "tiene una puntuación de 74/100" in turn.answer
    assert "no una promesa de financiamiento" in turn.answer


async def test_a_business_named_by_name_is_found_among_the_callers_own(demo_deps):
    (turn,) = await ask(demo_deps, MAYA, "What funding could Harbor & Pine get?")

    assert [(c.call.name, c.call.arguments) for c in turn.tool_calls] == [
        ("list_businesses", {}),
        ("get_funding_options", {"business_id": 2}),
    ]
    assert "Harbor & Pine Outfitters" in turn.answer


async def test_another_tenants_business_named_by_name_is_neither_reached_nor_repeated(demo_deps):
    (turn,) = await ask(demo_deps, DEVON, "How ready is Northwind Analytics for a loan?")

    assert [c.call.name for c in turn.tool_calls] == ["list_businesses"]
    assert "Northwind" not in turn.answer
    assert "Voltline Gadgets" in turn.answer  # the businesses the caller does have


async def test_a_what_if_follow_up_is_answered_from_the_simulated_metrics(demo_deps):
    (turn,) = await ask(
        demo_deps, OWNER_OF[6], "If I had 12 months of history, could I get Stripe Capital?"
    )

    assert [c.call.name for c in turn.tool_calls] == [
        "simulate_readiness",
        "get_funding_options",
        "search_knowledge",
    ]
    assert "from 59 to 79" in turn.answer
    assert "Then Stripe Capital: possible. Newly met: 9+ months of card processing." in turn.answer


@pytest.mark.parametrize(
    "question",
    [
        HURTING,
        "What should I do next?",
        "How are my refunds?",
        "What funding options do I have?",
        "Can I get an SBA Express loan?",
        "What documents do lenders ask for?",
        "What if my disputes fell to 0.3%? Would I qualify for a bank line of credit?",
        "¿Qué opciones de financiamiento tengo?",
        "What's the weather in Paris?",
        "hmm",
    ],
)
async def test_an_answer_never_ends_on_a_colon_nor_cites_an_internal_reference(demo_deps, question):
    (turn,) = await ask(demo_deps, DEVON, question)

    assert not turn.answer.rstrip().endswith(":")
    assert "DOMAIN" not in turn.answer and "§" not in turn.answer

"""The conversation sent to a model fits its token budget: old turns go first, whole."""

from vaultra_mcp.agent.history import fit_history, tokens_of
from vaultra_mcp.agent.messages import ChatMessage, ToolCall

SYSTEM = ChatMessage("system", "rules")


def turn(i: int, size: int = 200) -> list[ChatMessage]:
    call = ToolCall(id=f"c{i}", name="get_metric_summary", arguments={})
    return [
        ChatMessage("user", f"question {i}"),
        ChatMessage("assistant", "", (call,)),
        ChatMessage("tool", "word " * size, tool_call_id=f"c{i}", name="get_metric_summary"),
        ChatMessage("assistant", f"answer {i}"),
    ]


def test_a_conversation_within_budget_is_sent_whole():
    messages = [SYSTEM, *turn(1), *turn(2)]

    assert fit_history(messages, 10_000) == messages


def test_the_oldest_turns_are_dropped_whole_and_the_system_prompt_stays():
    messages = [SYSTEM, *turn(1), *turn(2), *turn(3)]

    kept = fit_history(messages, tokens_of([SYSTEM, *turn(3)]) + 10)

    assert kept == [SYSTEM, *turn(3)]


def test_a_current_turn_too_big_alone_has_its_tool_results_shortened():
    messages = [SYSTEM, *turn(1, size=3_000)]

    kept = fit_history(messages, 500)

    assert tokens_of(kept) <= 500
    assert [m.role for m in kept] == [m.role for m in messages]
    assert kept[3].content.endswith("…")

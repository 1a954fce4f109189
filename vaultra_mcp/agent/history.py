"""Keeping a conversation within the model's token budget (counted with tiktoken).

The system prompt and the current turn always stay; earlier turns go oldest first, whole,
and if the current turn alone is too big its tool results are shortened, longest first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from vaultra_mcp.agent.messages import ChatMessage
from vaultra_mcp.tokens import count_tokens, truncate_to_tokens

PER_MESSAGE_OVERHEAD = 4  # role and separators, as OpenAI counts them
MIN_TOOL_TOKENS = 50  # a shortened tool result still says what it was


def message_tokens(message: ChatMessage) -> int:
    calls = "".join(f"{c.name}{c.arguments}" for c in message.tool_calls)
    return count_tokens(message.content + calls) + PER_MESSAGE_OVERHEAD


def tokens_of(messages: Sequence[ChatMessage]) -> int:
    return sum(message_tokens(m) for m in messages)


def _turn_starts(messages: Sequence[ChatMessage]) -> list[int]:
    return [i for i, m in enumerate(messages) if m.role == "user"]


def fit_history(messages: Sequence[ChatMessage], budget: int) -> list[ChatMessage]:
    """``messages`` (system first) trimmed to at most ``budget`` tokens where possible."""
    system, rest = list(messages[:1]), list(messages[1:])
    sizes = [message_tokens(m) for m in rest]
    total = message_tokens(system[0]) + sum(sizes) if system else sum(sizes)
    starts = _turn_starts(rest)
    cut = 0
    for start in starts[1:]:  # never drop the last (current) turn
        if total <= budget:
            break
        total -= sum(sizes[cut:start])
        cut = start
    kept = rest[cut:]
    shortened: set[int] = set()
    while total > budget:
        candidates = [i for i, m in enumerate(kept) if m.role == "tool" and i not in shortened]
        if not candidates:
            break
        longest = max(candidates, key=lambda i: message_tokens(kept[i]))
        shortened.add(longest)
        before = message_tokens(kept[longest])
        allowed = max(MIN_TOOL_TOKENS, count_tokens(kept[longest].content) - (total - budget))
        text, _ = truncate_to_tokens(kept[longest].content, allowed)
        kept[longest] = replace(kept[longest], content=text)
        total -= before - message_tokens(kept[longest])
    return system + kept

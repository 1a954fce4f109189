"""``neutralise`` over a stream of model output, without holding back more than it must.

Text is held back only from a ``[``, ``![`` or ``<`` until the construct it may open is closed
(or its paragraph ends), from a ``[`` opening a line until it is clearly not a reference
definition (or the definition's line is complete), and after a ``]`` until the next character
shows whether a destination follows. Everything else streams as it comes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from vaultra_mcp.core.link_safety import LinkPolicy, escape_all, is_safe, neutralise, normalised

# What may come before a block's first character: indentation, quote and list markers.
LINE_PREFIX = " \t>-*+0123456789.)"
MARKUP = re.compile(r"[\[\]<>()]")


class AnswerGuard:
    """``feed`` returns what may be shown now, ``finish`` the rest; joined, they are the answer.

    Each release is the neutralised whole so far minus what was already shown. Later text can
    change how earlier text parses (a reference definition arriving after its use), and what
    was shown is never taken back, so a release is kept only if everything shown with it is
    still safe as a whole; otherwise the piece goes out escaped, then escaped after a paragraph
    break, and at worst not at all.
    """

    def __init__(self, policy: LinkPolicy) -> None:
        self.policy = policy
        self.raw = ""
        self.shown = ""
        self._released = 0  # how much of ``raw`` has been shown

    def feed(self, text: str) -> str:
        self.raw += text
        return self._release(quiet_point(self.raw, self._released))

    def finish(self) -> str:
        return self._release(len(self.raw))

    def _release(self, cut: int) -> str:
        if cut <= self._released:
            return ""
        piece = self.raw[self._released : cut]
        if not MARKUP.search(piece):
            # No bracket: the piece can start no construct, and at a quiet point it can finish
            # none that began before it (a definition's line is held whole), so it is shown
            # as it is, without parsing everything again.
            out = normalised(piece)
            self.shown += out
            self._released = cut
            return out
        whole = neutralise(self.raw[:cut], self.policy)
        candidates = [escape_all(piece), "\n\n" + escape_all(piece), ""]
        if whole.startswith(self.shown):
            candidates.insert(0, whole[len(self.shown) :])
        out = next(c for c in candidates if is_safe(self.shown + c, self.policy))
        self.shown += out
        self._released = cut
        return out


@dataclass
class _Open:
    """What may still be open at a point of the text."""

    brackets: int = 0  # unclosed ``[``
    destination: int = 0  # unclosed ``(`` of a ``](...)``
    tag: bool = False  # inside ``<tag`` or ``<autolink``

    @property
    def quiet(self) -> bool:
        return not (self.brackets or self.destination or self.tag)

    def paragraph_ends(self) -> None:
        self.brackets, self.destination, self.tag = 0, 0, False

    def see(self, text: str, i: int) -> None:
        c = text[i]
        if self.tag:
            self.tag = c != ">"
        elif c == "<":
            after = text[i + 1 : i + 2]
            self.tag = after.isalpha() or after in "/!?"
        elif c == "[":
            self.brackets += 1
        elif c == "]":
            self.brackets = max(0, self.brackets - 1)
        elif c == "(" and (self.destination or text[i - 1 : i] == "]"):
            self.destination += 1
        elif c == ")":
            self.destination = max(0, self.destination - 1)


def quiet_point(text: str, start: int) -> int:
    """The furthest offset at or after ``start`` (itself quiet) where no link, image, reference
    definition or tag can still be open, so the text before it parses the same whatever follows."""
    quiet, i, state = start, start, _Open()
    line_start = not text[text.rfind("\n", 0, start) + 1 : start].strip(LINE_PREFIX)
    while i < len(text):
        after = _step(text, i, state, line_start)
        if after is None:
            return quiet
        line_start = text[i] == "\n" or (line_start and text[i] in LINE_PREFIX)
        i = after
        if state.quiet and text[i - 1] not in "]!":
            quiet = i
    return quiet


def _step(text: str, i: int, state: _Open, line_start: bool) -> int | None:
    """Where to look next after the character at ``i`` (None: wait for more text)."""
    c, more = text[i], i + 1 < len(text)
    if c == "\\":
        return i + 2 if more else None
    if c == "\n":
        if text.startswith("\n", i + 1):  # a paragraph ends: nothing spans it
            state.paragraph_ends()
        return i + 1
    if c == "<" and not more:
        return None  # a tag or an autolink, perhaps
    if line_start and c == "[" and state.quiet:
        close = text.find("]", i)
        if close < 0 or close + 1 >= len(text):
            return None  # a reference definition, perhaps
        if text[close + 1] == ":":
            return _definition_end(text, close)
    state.see(text, i)
    return i + 1


def _definition_end(text: str, close: int) -> int | None:
    """Where a reference definition whose label ends at ``close`` ends: its line, or the next
    one too when the destination is there (None: not yet known)."""
    end = text.find("\n", close)
    if end >= 0 and not text[close + 2 : end].strip():
        end = text.find("\n", end + 1)
    return None if end < 0 else end

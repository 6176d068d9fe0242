"""Compile a RuleSet into one regex and apply it to folded text.

All terms of all enabled rules go into one trie-shaped regex, scanned with a zero-width
lookahead so every word start is tried (overlapping phrases are all found). Each term ends
in an empty named group, so `lastgroup` says which term matched without a second pass.
Then, in this order: a term inside a longer matched term does not count on its own
("non è urgente" hides "urgente"); an ignore phrase hides every term it overlaps; a cancel
phrase withdraws its clause and everything before it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sportello.domain.rules_file import Rule, RuleKind, RuleSet
from sportello.domain.text_folding import CLAUSE_MARK, fold_text

# Words that start a new clause even without punctuation: "tutto risolto ma ora perde".
_CLAUSE_WORDS = ("ma", "pero", "tuttavia", "invece")
_BREAK = -1  # role index for clause words


@dataclass(frozen=True, slots=True)
class Role:
    kind: RuleKind | None  # None for a clause word
    rule_index: int  # position in the compiled rule list
    text: str  # the term as written in the rules


@dataclass(frozen=True, slots=True)
class Hit:
    start: int
    end: int
    roles: tuple[Role, ...]


@dataclass(frozen=True, slots=True)
class Verdict:
    """What survived in a message: request keywords (as written) and the winning priority rule."""

    keywords: tuple[str, ...]
    priority_rule: int | None  # index into CompiledRules.rules


@dataclass(slots=True)
class _Node:
    children: dict[str, _Node] = field(default_factory=dict)
    exact: int | None = None  # term id ending here
    prefix: int | None = None  # term id ending here with a trailing `*`


class CompiledRules:
    def __init__(self, rule_set: RuleSet) -> None:
        self.rules: tuple[Rule, ...] = tuple(r for r in rule_set.rules if r.enabled)
        keys: dict[tuple[str, bool], int] = {}
        roles: list[list[Role]] = []

        def add(literal: str, prefix: bool, role: Role) -> None:
            term_id = keys.setdefault((literal, prefix), len(keys))
            if term_id == len(roles):
                roles.append([])
            if role not in roles[term_id]:
                roles[term_id].append(role)

        for index, rule in enumerate(self.rules):
            for term in rule.terms:
                add(term.literal, term.prefix, Role(rule.kind, index, term.text))
        for word in _CLAUSE_WORDS:
            add(word, False, Role(None, _BREAK, word))
        self._roles = _with_equal_span_roles(keys, roles)
        self._regex = _compile(keys)

    def verdict(self, text: str) -> Verdict:
        folded = fold_text(text)
        hits = [
            Hit(m.start(), m.end(name), self._roles[int(name[1:])])
            for m in self._regex.finditer(folded)
            if (name := m.lastgroup) is not None
        ]
        if not hits:
            return Verdict((), None)
        return _decide(folded, hits)


def _decide(folded: str, hits: list[Hit]) -> Verdict:
    """The module docstring's three steps, in order; the verdict is what is left of the hits."""
    breaks = [h.start for h in hits if _has_role(h, None)]
    terms = _outermost([h for h in hits if any(r.kind is not None for r in h.roles)])
    terms = _not_ignored(terms)
    cancel_limit = _cancel_limit(folded, terms, breaks)
    kept = [h for h in terms if h.start >= cancel_limit]
    return Verdict(_request_keywords(kept), _priority_rule(kept))


def _has_role(hit: Hit, kind: RuleKind | None) -> bool:
    return any(r.kind is kind for r in hit.roles)


def _outermost(terms: list[Hit]) -> list[Hit]:
    """A term inside a longer matched term does not count on its own."""
    return [
        h
        for h in terms
        if not any(
            o.start <= h.start and h.end <= o.end and o.end - o.start > h.end - h.start
            for o in terms
        )
    ]


def _not_ignored(terms: list[Hit]) -> list[Hit]:
    """An ignore phrase hides every term it overlaps."""
    ignored = [h for h in terms if _has_role(h, RuleKind.IGNORE)]
    return [h for h in terms if not any(i.start < h.end and h.start < i.end for i in ignored)]


def _cancel_limit(folded: str, terms: list[Hit], breaks: list[int]) -> int:
    """Where the last cancelled clause ends: terms starting before it are withdrawn."""
    limit = -1
    for hit in terms:
        if _has_role(hit, RuleKind.CANCEL):
            limit = max(limit, _clause_end(folded, hit.end, breaks))
    return limit


def _clause_end(folded: str, after: int, breaks: list[int]) -> int:
    """The end of the clause going on at `after`: the next clause mark, or the first clause
    word from there, or the end of the text."""
    mark = folded.find(CLAUSE_MARK, after)
    end = len(folded) if mark < 0 else mark
    later_break = next((b for b in breaks if b >= after), None)
    return end if later_break is None else min(end, later_break)


def _request_keywords(hits: list[Hit]) -> tuple[str, ...]:
    """The request terms found, as written, once each, in the order of the text."""
    found = (r.text for h in hits for r in h.roles if r.kind is RuleKind.REQUEST)
    return tuple(dict.fromkeys(found))


def _priority_rule(hits: list[Hit]) -> int | None:
    """The first (in rule order) priority rule found; None when there is none."""
    found = (r.rule_index for h in hits for r in h.roles if r.kind is RuleKind.PRIORITY)
    return min(found, default=None)


def _with_equal_span_roles(
    keys: dict[tuple[str, bool], int], roles: list[list[Role]]
) -> list[tuple[Role, ...]]:
    """The regex reports one term per start; add the roles of every other term that
    necessarily matched the very same span (`rip*` whenever `ripar*` or `riparo` matched)."""
    prefixes = [
        (re.compile(re.escape(lit) + r"\w*"), tid) for (lit, pre), tid in keys.items() if pre
    ]
    result: list[tuple[Role, ...]] = []
    for (literal, _prefix), term_id in sorted(keys.items(), key=lambda item: item[1]):
        merged = list(roles[term_id])
        for pattern, other in prefixes:
            if other != term_id and pattern.fullmatch(literal):
                merged += [r for r in roles[other] if r not in merged]
        result.append(tuple(merged))
    return result


def _compile(keys: dict[tuple[str, bool], int]) -> re.Pattern[str]:
    root = _Node()
    for (literal, prefix), term_id in keys.items():
        node = root
        for char in literal:
            node = node.children.setdefault(char, _Node())
        if prefix:
            node.prefix = term_id
        else:
            node.exact = term_id
    body = _emit(root)
    return re.compile(r"(?<!\w)(?=" + body + ")")


def _emit(node: _Node) -> str:
    # Longer continuations first, so the longest term at a start is the one reported.
    branches = [re.escape(char) + _emit(child) for char, child in sorted(node.children.items())]
    if node.exact is not None:
        branches.append(f"(?P<t{node.exact}>)(?!\\w)")
    if node.prefix is not None:
        branches.append(f"\\w*(?P<t{node.prefix}>)(?!\\w)")
    if len(branches) == 1:
        return branches[0]
    return "(?:" + "|".join(branches) + ")"

"""Read a ticket rules file (TOML text) into a checked RuleSet, or a RulesError saying where.

The format is documented in docs/rules.md. Reading is strict: an unknown key, a wrong type
or a misplaced `*` is refused with the file, the 1-based line and the reason, because a
typo in a rules file silently changes which customers get a ticket.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from sportello.domain.text_folding import CLAUSE_PUNCTUATION, fold_words
from sportello.domain.values import Priority

MODES = ("extend", "replace")
TOP_LEVEL_KEYS = ("mode", "request_priorities", "request", "priority", "ignore", "cancel")
_PRIORITY_NAMES = "URGENT, HIGH, MEDIUM or LOW"


class RulesError(ValueError):
    """A rules file that cannot be used: where (source, 1-based line or None) and why."""

    def __init__(self, source: str, line: int | None, reason: str) -> None:
        super().__init__(source, line, reason)
        self.source = source
        self.line = line
        self.reason = reason

    def __str__(self) -> str:
        if self.line is None:
            return f"{self.source}: {self.reason}"
        return f"{self.source}:{self.line}: {self.reason}"


class RuleKind(StrEnum):
    REQUEST = "request"  # a match makes the message a request for assistance
    PRIORITY = "priority"  # a match sets the priority; first enabled rule in order wins
    IGNORE = "ignore"  # a match hides the words inside it ("nessun problema")
    CANCEL = "cancel"  # a match withdraws its clause and everything before ("tutto risolto")


@dataclass(frozen=True, slots=True)
class Term:
    """One keyword or phrase as written, and its folded literal (`ripar*` -> `ripar`, prefix)."""

    text: str
    literal: str
    prefix: bool


@dataclass(frozen=True, slots=True)
class Rule:
    kind: RuleKind
    name: str
    terms: tuple[Term, ...]
    enabled: bool
    origin: str  # the source the rule was read from
    priority: Priority | None = None  # set for PRIORITY rules only


@dataclass(frozen=True, slots=True)
class RuleSet:
    source: str
    mode: str
    request_priorities: tuple[Priority, ...]
    rules: tuple[Rule, ...]  # priority rules in evaluation order


def parse_rules(text: str, source: str, base: RuleSet | None) -> RuleSet:
    """Parse rules text; with mode "extend" the result is `base` plus the file's rules."""
    locate = _Locator(text)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _syntax_error(exc, text, source) from None
    for key in data:
        if key not in TOP_LEVEL_KEYS:
            raise RulesError(
                source,
                locate.top_level(key),
                f"unknown key '{key}' (expected one of: {', '.join(TOP_LEVEL_KEYS)})",
            )
    mode = data.get("mode", "extend")
    if not isinstance(mode, str) or mode not in MODES:
        raise RulesError(
            source,
            locate.top_level("mode"),
            f'\'mode\' must be "extend" or "replace", not {_show(mode)}',
        )
    request_priorities: tuple[Priority, ...] | None = None
    if "request_priorities" in data:
        request_priorities = _priorities(
            data["request_priorities"], source, locate.top_level("request_priorities")
        )
    rules: list[Rule] = []
    names: dict[str, int | None] = {}
    for kind in RuleKind:
        tables = data.get(kind.value, [])
        if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
            raise RulesError(
                source,
                locate.top_level(kind.value),
                f"'{kind.value}' must be an array of tables, written [[{kind.value}]]",
            )
        for index, table in enumerate(tables):
            rule = _rule(kind, index, table, source, locate)
            name_line = locate.key(kind.value, index, "name")
            if rule.name in names:
                where = names[rule.name]
                first = f" (first used at line {where})" if where is not None else ""
                raise RulesError(source, name_line, f"duplicate rule name '{rule.name}'{first}")
            names[rule.name] = name_line
            rules.append(rule)
    if mode == "extend" and base is not None:
        return _extend(base, rules, request_priorities, source, locate)
    return RuleSet(
        source=source,
        mode=mode,
        request_priorities=request_priorities or (Priority.URGENT, Priority.HIGH),
        rules=tuple(rules),
    )


def parse_term(raw: str) -> Term | str:
    """A keyword as written -> Term, or the reason it is not acceptable."""
    stripped = raw.strip()
    if not stripped:
        return "empty keyword"
    body, prefix = stripped, False
    if "*" in stripped:
        if stripped.count("*") > 1 or not stripped.endswith("*"):
            return f"bad '*' in '{raw}': '*' is allowed once, at the end ('ripar*')"
        body, prefix = stripped[:-1], True
        if not body or not body[-1].isalnum():
            return f"bad '*' in '{raw}': '*' must follow a letter or digit ('ripar*')"
    found = [c for c in CLAUSE_PUNCTUATION if c in body]
    if found:
        return f"keyword '{raw}' contains {found[0]!r}: a keyword cannot span two sentences"
    literal = fold_words(body)
    if not literal:
        return f"empty keyword '{raw}': it has no letters or digits"
    return Term(text=stripped, literal=literal, prefix=prefix)


_RULE_KEYS = ("name", "keywords", "phrases", "enabled")


@dataclass(frozen=True, slots=True)
class _RulePlace:
    """Where the `index`th [[section]] table of a file is, so each error names its line."""

    source: str
    locate: _Locator
    section: str
    index: int

    def line(self, key: str) -> int | None:
        return self.locate.key(self.section, self.index, key)

    def at_key(self, key: str, reason: str) -> RulesError:
        return RulesError(self.source, self.line(key), reason)

    def at_header(self, reason: str) -> RulesError:
        return RulesError(self.source, self.locate.header(self.section, self.index), reason)


def _rule(kind: RuleKind, index: int, table: dict[str, Any], source: str, locate: _Locator) -> Rule:
    place = _RulePlace(source, locate, kind.value, index)
    _check_rule_keys(kind, table, place)
    name = _rule_name(table, place)
    enabled = table.get("enabled", True)
    if not isinstance(enabled, bool):
        raise place.at_key("enabled", f"'enabled' must be true or false, not {_show(enabled)}")
    terms: list[Term] = []
    for key in ("keywords", "phrases"):
        if key in table:
            terms += _rule_terms(key, table[key], place)
    if not terms and enabled:
        raise place.at_header(
            f"rule '{name}' has no keywords or phrases (add some, or set enabled = false)"
        )
    return Rule(
        kind=kind,
        name=name.strip(),
        terms=tuple(terms),
        enabled=enabled,
        origin=source,
        priority=_rule_priority(kind, table, name, bool(terms), place),
    )


def _check_rule_keys(kind: RuleKind, table: dict[str, Any], place: _RulePlace) -> None:
    allowed = (*_RULE_KEYS, "priority") if kind is RuleKind.PRIORITY else _RULE_KEYS
    for key in table:
        if key not in allowed:
            raise place.at_key(
                key,
                f"unknown key '{key}' in [[{place.section}]] (expected {', '.join(allowed)})",
            )


def _rule_name(table: dict[str, Any], place: _RulePlace) -> str:
    """The rule's name as written (errors quote it so); the Rule keeps it stripped."""
    name = table.get("name")
    if name is None:
        raise place.at_header(f"[[{place.section}]] has no 'name'")
    if not isinstance(name, str) or not name.strip():
        raise place.at_key("name", f"'name' must be a non-empty string, not {_show(name)}")
    return name


def _rule_terms(key: str, values: object, place: _RulePlace) -> list[Term]:
    """The terms of a rule's `keywords` or `phrases` list."""
    if not isinstance(values, list):
        raise place.at_key(key, f"'{key}' must be a list of strings, not {_show(values)}")
    terms: list[Term] = []
    for value in values:
        if not isinstance(value, str):
            raise place.at_key(key, f"'{key}' must contain only strings, found {_show(value)}")
        term = parse_term(value)
        if isinstance(term, str):
            line = place.locate.value(place.section, place.index, key, value) or place.line(key)
            raise RulesError(place.source, line, term)
        terms.append(term)
    return terms


def _rule_priority(
    kind: RuleKind, table: dict[str, Any], name: str, has_terms: bool, place: _RulePlace
) -> Priority | None:
    """A priority rule's priority: required as soon as the rule has keywords or phrases."""
    if kind is not RuleKind.PRIORITY:
        return None
    if "priority" in table:
        return _priority(table["priority"], place.source, place.line("priority"))
    if has_terms:
        raise place.at_header(f"priority rule '{name}' has no 'priority' ({_PRIORITY_NAMES})")
    return None  # `enabled = false` alone: it switches a default rule off, by name only


def _extend(
    base: RuleSet,
    rules: list[Rule],
    request_priorities: tuple[Priority, ...] | None,
    source: str,
    locate: _Locator,
) -> RuleSet:
    """Rules named like a base rule replace it in place; new priority rules go first."""
    by_name = {rule.name: rule for rule in rules}
    for rule in base.rules:
        mine = by_name.get(rule.name)
        if mine is not None and mine.kind is not rule.kind:
            raise RulesError(
                source,
                locate.key(mine.kind.value, _index_of(rules, mine), "name"),
                f"rule name '{rule.name}' belongs to a default {rule.kind.value} rule; "
                f"a {mine.kind.value} rule cannot replace it",
            )
    base_names = {rule.name for rule in base.rules}
    merged: list[Rule] = [
        r for r in rules if r.kind is RuleKind.PRIORITY and r.name not in base_names
    ]
    for rule in base.rules:
        mine = by_name.get(rule.name)
        if mine is None:
            merged.append(rule)
        elif not mine.terms:  # `enabled = false` alone switches the default rule off
            merged.append(replace(rule, enabled=mine.enabled))
        else:
            merged.append(mine)
    merged += [r for r in rules if r.kind is not RuleKind.PRIORITY and r.name not in base_names]
    return RuleSet(
        source=source,
        mode="extend",
        request_priorities=request_priorities or base.request_priorities,
        rules=tuple(merged),
    )


def _index_of(rules: list[Rule], rule: Rule) -> int:
    return [r for r in rules if r.kind is rule.kind].index(rule)


def _priority(value: object, source: str, line: int | None) -> Priority:
    if isinstance(value, str) and value.strip().upper() in Priority.__members__:
        return Priority[value.strip().upper()]
    raise RulesError(source, line, f"unknown priority {_show(value)} (expected {_PRIORITY_NAMES})")


def _priorities(value: object, source: str, line: int | None) -> tuple[Priority, ...]:
    if not isinstance(value, list):
        raise RulesError(
            source, line, f"'request_priorities' must be a list of priorities, not {_show(value)}"
        )
    return tuple(_priority(item, source, line) for item in value)


def _show(value: object) -> str:
    if isinstance(value, str):
        return f"'{value}'"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a table"
    return f"a {type(value).__name__}"


_AT_LINE = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*$")
_AT_END = re.compile(r"\s*\(at end of document\)\s*$")


def _syntax_error(exc: tomllib.TOMLDecodeError, text: str, source: str) -> RulesError:
    message = str(exc)
    at = _AT_LINE.search(message)
    if at is not None:
        reason = message[: at.start()]
        return RulesError(
            source, int(at.group(1)), f"TOML syntax error: {reason} (column {at.group(2)})"
        )
    end = _AT_END.search(message)
    if end is not None:
        return RulesError(
            source, max(1, text.count("\n") + 1), f"TOML syntax error: {message[: end.start()]}"
        )
    return RulesError(source, None, f"TOML syntax error: {message}")


_HEADER = re.compile(r"^\s*(\[\[?)\s*([A-Za-z0-9_\-]+|\"[^\"]*\")\s*\]\]?")
_KEY = re.compile(r"^\s*([A-Za-z0-9_\-]+|\"[^\"]*\"|'[^']*')\s*=")


class _Locator:
    """Finds the line of a key or value in the raw text: tomllib only gives positions for
    syntax errors, and a semantic error is useless without its line."""

    def __init__(self, text: str) -> None:
        self._lines = text.splitlines()
        # (line number, section, array index or None, key or None) for headers and keys.
        self._marks: list[tuple[int, str | None, int | None, str | None]] = []
        section: str | None = None
        index: int | None = None
        counts: dict[str, int] = {}
        for number, line in enumerate(self._lines, start=1):
            header = _HEADER.match(line)
            if header is not None:
                section = header.group(2).strip('"')
                if header.group(1) == "[[":
                    index = counts.get(section, 0)
                    counts[section] = index + 1
                else:
                    index = None
                self._marks.append((number, section, index, None))
                continue
            key = _KEY.match(line)
            if key is not None:
                self._marks.append((number, section, index, key.group(1).strip("\"'")))

    def top_level(self, name: str) -> int | None:
        for number, section, _index, key in self._marks:
            if (section is None and key == name) or (section == name and key is None):
                return number
        return None

    def header(self, section: str, index: int) -> int | None:
        for number, sec, idx, key in self._marks:
            if sec == section and idx == index and key is None:
                return number
        return None

    def key(self, section: str, index: int, name: str) -> int | None:
        for number, sec, idx, key in self._marks:
            if sec == section and idx == index and key == name:
                return number
        return self.header(section, index)

    def value(self, section: str, index: int, name: str, value: str) -> int | None:
        """The line holding `value` inside the (possibly multi-line) array of key `name`."""
        start = self.key(section, index, name)
        if start is None:
            return None
        later = [number for number, *_ in self._marks if number > start]
        stop = later[0] if later else len(self._lines) + 1
        quoted = (f'"{value}"', f"'{value}'")
        for number in range(start, stop):
            if any(q in self._lines[number - 1] for q in quoted):
                return number
        return start

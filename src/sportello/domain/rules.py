"""Ticket rules: does an incoming WhatsApp message ask for assistance, and how urgently?

`TicketRules.default()` holds the Italian defaults (default_rules.toml, shipped as package
data); `TicketRules.from_toml(text)` reads a rules file that extends or replaces them. The
format and the reasoning behind the defaults are in docs/rules.md.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources

from sportello.domain.rules_file import Rule, RuleKind, RulesError, RuleSet, parse_rules
from sportello.domain.rules_matcher import CompiledRules
from sportello.domain.values import Priority

__all__ = ["RuleOutcome", "RulesError", "TicketRules"]

DEFAULT_RULES_RESOURCE = "default_rules.toml"


@dataclass(frozen=True, slots=True)
class RuleOutcome:
    is_request: bool  # should a ticket be created
    priority: Priority
    matched_keywords: tuple[str, ...]  # request keywords found, as written in the rules
    priority_rule: str | None  # name of the priority rule that fired; None = default MEDIUM


class TicketRules:
    """An immutable, compiled rule set. `match()` is safe to call from any thread."""

    __slots__ = ("_compiled", "_nothing", "_rule_set", "_text")

    def __init__(self, rule_set: RuleSet, text: str = "") -> None:
        self._rule_set = rule_set
        self._text = text
        self._compiled = CompiledRules(rule_set)
        self._nothing = self._outcome((), None)

    @classmethod
    def default(cls) -> TicketRules:
        """The built-in Italian rules."""
        return _default_rules()

    @classmethod
    def from_toml(cls, text: str, source: str = "<rules>") -> TicketRules:
        """Rules from TOML text (`mode = "extend"` by default); raises RulesError."""
        return cls(parse_rules(text, source, base=_default_rule_set()), text)

    @property
    def source(self) -> str:
        return self._rule_set.source

    @property
    def text(self) -> str:
        """The TOML these rules were read from (the built-in file for the defaults)."""
        return self._text

    def match(self, text: str) -> RuleOutcome:
        """Decide for one message body (or media caption)."""
        verdict = self._compiled.verdict(text)
        if not verdict.keywords and verdict.priority_rule is None:
            return self._nothing
        return self._outcome(verdict.keywords, verdict.priority_rule)

    def _outcome(self, keywords: tuple[str, ...], priority_rule: int | None) -> RuleOutcome:
        rule = None if priority_rule is None else self._compiled.rules[priority_rule]
        priority = Priority.MEDIUM if rule is None or rule.priority is None else rule.priority
        return RuleOutcome(
            is_request=bool(keywords) or priority in self._rule_set.request_priorities,
            priority=priority,
            matched_keywords=keywords,
            priority_rule=None if rule is None else rule.name,
        )

    def describe(self) -> str:
        """A multi-line human summary, printed by `sportello rules check FILE`."""
        rule_set = self._rule_set
        rules = rule_set.rules
        active = sum(r.enabled for r in rules)
        lines = [
            f"Ticket rules from {rule_set.source} (mode {rule_set.mode}): "
            f"{active} rules active, {len(rules) - active} disabled.",
            "A message opens a ticket when it contains a request keyword, or when its "
            "priority is " + _or(p.value for p in rule_set.request_priorities) + ".",
        ]
        sections = (
            (RuleKind.REQUEST, "Request keywords:"),
            (RuleKind.PRIORITY, "Priority rules, in order (first match wins; else MEDIUM):"),
            (RuleKind.IGNORE, "Ignored phrases (the words inside them do not count):"),
            (RuleKind.CANCEL, "Cancel phrases (withdraw their sentence and everything before):"),
        )
        for kind, title in sections:
            lines.append(title)
            of_kind = [r for r in rules if r.kind is kind]
            if not of_kind:
                lines.append("  (none)")
            for position, rule in enumerate(of_kind, start=1):
                lines.append(
                    self._describe_rule(rule, position if kind is RuleKind.PRIORITY else None)
                )
        return "\n".join(lines)

    def _describe_rule(self, rule: Rule, position: int | None) -> str:
        head = f"  {position}. " if position is not None else "  - "
        head += rule.name
        if rule.priority is not None:
            head += f" -> {rule.priority.value}"
        notes = []
        if rule.origin != self._rule_set.source:
            notes.append("default")
        if not rule.enabled:
            notes.append("DISABLED")
        if notes:
            head += f" ({', '.join(notes)})"
        return f"{head}: " + ", ".join(term.text for term in rule.terms)

    def __repr__(self) -> str:
        return f"TicketRules(source={self._rule_set.source!r}, rules={len(self._rule_set.rules)})"


def _or(names: Iterable[str]) -> str:
    items = list(names)
    if not items:
        return "(none: only keywords open tickets)"
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + " or " + items[-1]


@cache
def _default_text() -> str:
    return resources.files("sportello.domain").joinpath(DEFAULT_RULES_RESOURCE).read_text("utf-8")


@cache
def _default_rule_set() -> RuleSet:
    return parse_rules(_default_text(), DEFAULT_RULES_RESOURCE, base=None)


@cache
def _default_rules() -> TicketRules:
    return TicketRules(_default_rule_set(), _default_text())

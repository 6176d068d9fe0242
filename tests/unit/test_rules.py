"""The default Italian ticket rules against realistic customer messages, and how matching works."""

from __future__ import annotations

import json
import re
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from sportello.domain.rules import RuleOutcome, TicketRules
from sportello.domain.values import Priority

MESSAGES_FILE = Path(__file__).resolve().parents[1] / "data" / "messages_it.toml"
MESSAGES: list[dict[str, Any]] = tomllib.loads(MESSAGES_FILE.read_text("utf-8"))["message"]
SEED_OVERBROAD = ("quando", "venire", "costo", "disponibile")


def _default_rules_toml() -> dict[str, Any]:
    text = resources.files("sportello.domain").joinpath("default_rules.toml").read_text("utf-8")
    return tomllib.loads(text)


def _one_keyword_rules(term: str) -> TicketRules:
    return TicketRules.from_toml(
        f'mode = "replace"\n[[request]]\nname = "solo"\nkeywords = [{json.dumps(term)}]\n'
    )


@pytest.fixture(scope="module")
def rules() -> TicketRules:
    return TicketRules.default()


def test_sample_messages_are_many_and_varied() -> None:
    ids = [m["id"] for m in MESSAGES]
    assert len(ids) >= 60
    assert len(set(ids)) == len(ids)
    assert sum(not m["ticket"] for m in MESSAGES) >= 20
    assert {m["priority"] for m in MESSAGES} == {"URGENT", "HIGH", "MEDIUM", "LOW"}


@pytest.mark.parametrize("message", MESSAGES, ids=[m["id"] for m in MESSAGES])
def test_default_rules_decide_sample_message(rules: TicketRules, message: dict[str, Any]) -> None:
    outcome = rules.match(message["text"])

    assert (outcome.is_request, outcome.priority.value) == (
        message["ticket"],
        message["priority"],
    ), f"{message['text']!r} -> {outcome}"


def _default_terms() -> list[tuple[str, str]]:
    data = _default_rules_toml()
    found: list[tuple[str, str]] = []
    for kind in ("request", "priority", "ignore", "cancel"):
        for rule in data.get(kind, []):
            for term in rule.get("keywords", []) + rule.get("phrases", []):
                found.append((f"{kind}:{rule['name']}", term))
    return found


@pytest.mark.parametrize(("rule", "term"), _default_terms(), ids=lambda v: str(v))
def test_every_default_term_is_justified_by_a_sample_message(rule: str, term: str) -> None:
    alone = _one_keyword_rules(term)

    hits = [m["id"] for m in MESSAGES if alone.match(m["text"]).is_request]

    assert hits, f"default {rule} term {term!r} appears in no message of {MESSAGES_FILE.name}"


def test_contract_keywords_are_all_in_the_defaults() -> None:
    contract = [
        "aiuto",
        "problema",
        "guasto",
        "rotto",
        "non funziona",
        "urgente",
        "assistenza",
        "intervento",
        "riparare",
        "preventivo",
        "perdita",
        "allagamento",
        "bloccato",
        "in blocco",
        "non si accende",
    ]
    rules = TicketRules.default()

    for keyword in contract:
        outcome = rules.match(f"Buongiorno, {keyword}.")
        assert outcome.is_request and keyword in outcome.matched_keywords, keyword


@pytest.mark.parametrize(
    ("text", "priority", "rule"),
    [
        ("urgente", Priority.URGENT, "urgente"),
        ("emergenza", Priority.URGENT, "urgente"),
        ("subito", Priority.URGENT, "urgente"),
        ("allagamento", Priority.URGENT, "urgente"),
        ("importante", Priority.HIGH, "alta"),
        ("il prima possibile", Priority.HIGH, "alta"),
        ("al più presto", Priority.HIGH, "alta"),
        ("quando possibile", Priority.LOW, "bassa"),
        ("con comodo", Priority.LOW, "bassa"),
        ("la caldaia è rotta", Priority.MEDIUM, None),
    ],
)
def test_contract_priorities(text: str, priority: Priority, rule: str | None) -> None:
    outcome = TicketRules.default().match(text)

    assert (outcome.priority, outcome.priority_rule) == (priority, rule)


def test_urgent_or_high_message_is_a_request_without_any_keyword(rules: TicketRules) -> None:
    assert rules.match("Subito per favore").is_request
    assert rules.match("È importante, richiamatemi").is_request
    low = rules.match("passate con comodo")
    assert not low.is_request and low.priority is Priority.LOW


def test_first_priority_rule_in_order_wins(rules: TicketRules) -> None:
    outcome = rules.match("con comodo, ma c'è odore di gas")

    assert outcome.priority is Priority.URGENT and outcome.priority_rule == "urgente"


def test_outcome_reports_request_keywords_as_written_in_text_order(rules: TicketRules) -> None:
    outcome = rules.match("la lavatrice NON FUNZIONA e perde, la cardaia è rotta")

    assert outcome == RuleOutcome(
        is_request=True,
        priority=Priority.MEDIUM,
        matched_keywords=("non funziona", "perde", "rott*"),
        priority_rule=None,
    )


@pytest.mark.parametrize("text", ["URGENTE", "Urgènte", "urgénte!!", "🚨urgente🚨", "(Urgente)"])
def test_case_accents_punctuation_and_emoji_do_not_matter(rules: TicketRules, text: str) -> None:
    assert rules.match(text).priority is Priority.URGENT


def test_whole_words_only(rules: TicketRules) -> None:
    assert not rules.match("la problematica è complessa").is_request
    assert not rules.match("problemaaa").is_request
    assert rules.match("un problema.").matched_keywords == ("problema",)


def test_apostrophes_split_words(rules: TicketRules) -> None:
    assert rules.match("c'è un'emergenza").priority is Priority.URGENT
    assert rules.match("l'allagamento in cantina").priority is Priority.URGENT
    assert rules.match("c’è una perdita d’acqua").is_request  # typographic apostrophes


def test_trailing_star_matches_word_prefixes(rules: TicketRules) -> None:
    assert rules.match("lavatrice guastata").matched_keywords == ("guast*",)
    assert rules.match("rottura del tubo").matched_keywords == ("rott*",)
    assert not rules.match("ha riparato la caldaia").is_request


def test_phrase_does_not_span_a_sentence_break(rules: TicketRules) -> None:
    assert not rules.match("non. Funziona benissimo").is_request
    assert rules.match("non  funziona").is_request


def test_longer_phrase_hides_the_words_inside_it(rules: TicketRules) -> None:
    outcome = rules.match("non è urgente")

    assert outcome.priority is Priority.LOW and not outcome.is_request


def test_ignore_phrase_hides_only_its_own_words(rules: TicketRules) -> None:
    assert not rules.match("nessun problema").is_request
    assert rules.match("nessun problema per lunedì, ma la caldaia è guasta").is_request


def test_cancel_withdraws_its_sentence_and_what_came_before(rules: TicketRules) -> None:
    assert not rules.match("la caldaia era in blocco, tutto risolto").is_request
    assert rules.match("tutto risolto. Ora però perde il lavandino").is_request
    assert rules.match("tutto risolto però ora perde il lavandino").is_request


def test_empty_and_blank_messages_are_not_requests(rules: TicketRules) -> None:
    for text in ("", "   ", "\n", "...", "🙏🙏"):
        assert rules.match(text) == RuleOutcome(False, Priority.MEDIUM, (), None)


def test_default_is_shared_and_describes_itself() -> None:
    rules = TicketRules.default()

    assert TicketRules.default() is rules
    summary = rules.describe()
    assert "urgente -> URGENT" in summary and "first match wins" in summary
    assert len(summary.splitlines()) > 5


# The seed back end ("Richiesta Assistenza") also opened tickets on `quando`, `venire`,
# `costo` and `disponibile`. Those words are in most follow-up and billing messages.


def test_seed_overbroad_keywords_would_open_tickets_on_plain_messages() -> None:
    default = TicketRules.default()
    seed_like = TicketRules.from_toml(
        '[[request]]\nname = "seed"\nkeywords = ' + json.dumps(list(SEED_OVERBROAD)) + "\n",
        source="seed-like.toml",
    )
    word = re.compile(r"\b(" + "|".join(SEED_OVERBROAD) + r")\b", re.IGNORECASE)
    plain = [m for m in MESSAGES if not m["ticket"] and word.search(m["text"])]
    assert len(plain) >= 5

    wrongly_opened = [m["id"] for m in plain if seed_like.match(m["text"]).is_request]

    assert wrongly_opened == [m["id"] for m in plain]
    assert not any(default.match(m["text"]).is_request for m in plain)
    for text in ("quando passate a ritirare il pagamento?", "grazie, lei è sempre disponibile"):
        assert seed_like.match(text).is_request and not default.match(text).is_request


def test_seed_overbroad_keywords_add_nothing_on_real_requests() -> None:
    """Every real request that contains one of those words is already caught by the defaults."""
    default = TicketRules.default()
    word = re.compile(r"\b(" + "|".join(SEED_OVERBROAD) + r")\b", re.IGNORECASE)
    requests = [m for m in MESSAGES if m["ticket"] and word.search(m["text"])]
    assert requests

    assert all(default.match(m["text"]).is_request for m in requests)

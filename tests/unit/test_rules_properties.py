"""Property tests of the ticket rules: how a customer types does not change the outcome.

Every sample message of tests/data/messages_it.toml, rewritten with random case, random
accents on its letters and random punctuation or emoji around its words and around the
whole message, must get the same decision (ticket or not, priority, keywords).
"""

from __future__ import annotations

import tomllib
import unicodedata
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from sportello.domain.rules import TicketRules

MESSAGES_FILE = Path(__file__).resolve().parents[1] / "data" / "messages_it.toml"
MESSAGES: list[dict[str, Any]] = tomllib.loads(MESSAGES_FILE.read_text("utf-8"))["message"]
RULES = TicketRules.default()

ACCENTS = ["\u0300", "\u0301", "\u0302", "\u0308"]  # grave, acute, circumflex, diaeresis
# Around a word: quotes, brackets, markdown, emoji. No clause punctuation (. , ! ? ; :),
# which legitimately bounds a phrase ("non... funziona" is two clauses).
WORD_WRAPS = ["", '"', "'", "(", ")", "*", "_", "«", "»", "~", "👍", "😱", "🔥", "-", "#"]
# Around the whole message: anything, clause punctuation included.
MESSAGE_WRAPS = ["", "!!!", "...", "?", "  ", "\n", "👉 ", " 🙏", ":)", "«", "»", "**"]


def _recase(ch: str, upper: bool) -> str:
    changed = ch.upper() if upper else ch.lower()
    return changed if len(changed) == 1 else ch


@st.composite
def retyped(draw: st.DrawFn, text: str) -> str:
    """`text` as a customer might have typed it: case, accents and punctuation shuffled."""
    out: list[str] = []
    for word in text.split(" "):
        letters = []
        for ch in word:
            ch = _recase(ch, draw(st.booleans()))
            if ch.isascii() and ch.isalpha() and draw(st.integers(0, 4)) == 0:
                ch = unicodedata.normalize("NFC", ch + draw(st.sampled_from(ACCENTS)))
            letters.append(ch)
        before, after = draw(st.sampled_from(WORD_WRAPS)), draw(st.sampled_from(WORD_WRAPS))
        out.append(before + "".join(letters) + after)
    head, tail = draw(st.sampled_from(MESSAGE_WRAPS)), draw(st.sampled_from(MESSAGE_WRAPS))
    return head + " ".join(out) + tail


def _decision(text: str) -> tuple[bool, str, frozenset[str]]:
    outcome = RULES.match(text)
    return outcome.is_request, outcome.priority.value, frozenset(outcome.matched_keywords)


@settings(max_examples=400, deadline=None)
@given(data=st.data(), message=st.sampled_from(MESSAGES))
def test_case_accents_and_surrounding_punctuation_never_change_the_decision(
    data: st.DataObject, message: dict[str, Any]
) -> None:
    variant = data.draw(retyped(message["text"]))

    assert _decision(variant) == _decision(message["text"]), variant


@settings(max_examples=200, deadline=None)
@given(
    keyword=st.sampled_from(["urgente", "guasto", "allagamento", "non funziona", "preventivo"]),
    data=st.data(),
)
def test_a_keyword_alone_matches_however_it_is_written(keyword: str, data: st.DataObject) -> None:
    variant = data.draw(retyped(keyword))

    assert RULES.match(variant).is_request, variant


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=200))
def test_any_text_gets_a_decision_never_an_error(text: str) -> None:
    outcome = RULES.match(text)

    assert outcome.priority.value in {"URGENT", "HIGH", "MEDIUM", "LOW"}
    if not outcome.matched_keywords and outcome.priority.value not in {"URGENT", "HIGH"}:
        assert not outcome.is_request

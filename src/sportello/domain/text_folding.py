"""Fold free text into the canonical form the ticket rules match against.

Customers write `URGENTE!!!`, `Urgènte`, `c'è`, `e'` for `è`, with emoji and no spaces after
commas. Folding makes all of these compare equal: accents stripped, case folded, every run of
non-word characters collapsed to one space, and sentence punctuation kept as a clause mark
(`|`) because a rule's scope ("tutto risolto" withdraws what came before) is the clause.
"""

from __future__ import annotations

import re
import unicodedata

CLAUSE_MARK = "|"

# Combining marks left by NFKD (Latin accents and the other common blocks). A regex over the
# blocks is several times faster than testing unicodedata.combining() per character.
_MARKS = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]+")
# Sentence punctuation: a phrase never spans it, and it bounds a clause.
CLAUSE_PUNCTUATION = ".!?;:,\n\r\u2026|"
_BREAKS = re.compile("[" + re.escape(CLAUSE_PUNCTUATION) + "]+")
# Anything that is not a letter or digit (apostrophes, emoji, dashes, underscores).
_JUNK = re.compile(r"(?:[^\w|]|_)+")
_MARK_RUNS = re.compile(r"(?: ?\| ?)+")


def fold_text(text: str) -> str:
    """Lower-case, accent-free words separated by single spaces, clauses separated by ` | `."""
    folded = _MARKS.sub("", unicodedata.normalize("NFKD", text)).casefold()
    folded = _BREAKS.sub(" | ", folded)
    folded = _JUNK.sub(" ", folded)
    return _MARK_RUNS.sub(" | ", folded).strip(" ")


def fold_words(text: str) -> str:
    """Fold a keyword: like fold_text, but clause punctuation is just a separator."""
    folded = _MARKS.sub("", unicodedata.normalize("NFKD", text)).casefold()
    return " ".join(_JUNK.sub(" ", folded.replace(CLAUSE_MARK, " ")).split())

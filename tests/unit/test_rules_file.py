"""Rules files: valid extend/replace files behave as documented; bad ones say file, line, why."""

from __future__ import annotations

import textwrap

import pytest

from sportello.domain.rules import RulesError, TicketRules
from sportello.domain.values import Priority


def _rules(text: str) -> TicketRules:
    return TicketRules.from_toml(textwrap.dedent(text).lstrip("\n"), source="rules.toml")


def _error(text: str) -> RulesError:
    with pytest.raises(RulesError) as caught:
        _rules(text)
    return caught.value


# --- valid files ---------------------------------------------------------------------------

EXTEND = """
    # Our company also repairs gates and fears gas above all.
    mode = "extend"

    [[request]]
    name = "cancelli"
    keywords = ["cancello fermo", "basculante*"]

    [[priority]]
    name = "gas"
    priority = "URGENT"
    phrases = ["caldaia a gas"]

    [[priority]]
    name = "bassa"          # a default rule, switched off by name
    enabled = false

    [[ignore]]
    name = "saluti"
    phrases = ["nessun guasto"]
"""


def test_extend_file_adds_to_the_defaults() -> None:
    rules = _rules(EXTEND)

    assert rules.match("il cancello fermo da ieri").matched_keywords == ("cancello fermo",)
    assert rules.match("basculanti bloccate").is_request
    assert rules.match("la caldaia non funziona").is_request  # default keyword still there
    assert rules.match("subito!").priority is Priority.URGENT  # default priority rule kept


def test_extend_file_priority_rules_go_before_the_defaults() -> None:
    outcome = _rules(EXTEND).match("controllate la caldaia a gas")

    assert outcome.priority_rule == "gas" and outcome.is_request


def test_extend_file_switches_a_default_rule_off_by_name() -> None:
    rules = _rules(EXTEND)

    outcome = rules.match("la lavatrice perde, con comodo")
    assert outcome.priority is Priority.MEDIUM and outcome.priority_rule is None
    assert "bassa -> LOW (default, DISABLED)" in rules.describe()


def test_extend_file_ignore_phrases_apply() -> None:
    rules = _rules(EXTEND)

    assert not rules.match("nessun guasto, grazie").is_request
    assert TicketRules.default().match("nessun guasto, grazie").is_request


def test_extend_file_replaces_a_default_rule_with_the_same_name() -> None:
    rules = _rules(
        """
        [[priority]]
        name = "urgente"
        priority = "URGENT"
        keywords = ["emergenza"]
        """
    )

    assert rules.match("subito").priority is Priority.MEDIUM
    assert rules.match("emergenza").priority is Priority.URGENT
    assert rules.match("importante").priority is Priority.HIGH


def test_mode_defaults_to_extend() -> None:
    rules = _rules('[[request]]\nname = "x"\nkeywords = ["citofono"]\n')

    assert rules.match("citofono").is_request and rules.match("aiuto").is_request


REPLACE = """
    mode = "replace"
    request_priorities = ["URGENT"]

    [[request]]
    name = "idraulica"
    keywords = ["perdita", "ripar*", "tubo rotto"]

    [[priority]]
    name = "acqua-ovunque"
    priority = "urgent"
    keywords = ["allagamento"]

    [[priority]]
    name = "presto"
    priority = "HIGH"
    keywords = ["presto"]

    [[cancel]]
    name = "fatto"
    phrases = ["riparato tutto"]
"""


def test_replace_file_starts_from_nothing() -> None:
    rules = _rules(REPLACE)

    assert not rules.match("aiuto, la caldaia non funziona").is_request
    assert rules.match("riparazione del tubo").matched_keywords == ("ripar*",)
    assert rules.match("TUBO ROTTO").is_request
    assert rules.match("Allagamento!").priority is Priority.URGENT
    assert "contratto" not in rules.describe()


def test_replace_file_request_priorities() -> None:
    rules = _rules(REPLACE)

    assert rules.match("allagamento").is_request
    high = rules.match("presto")
    assert high.priority is Priority.HIGH and not high.is_request


def test_replace_file_cancel_phrase() -> None:
    rules = _rules(REPLACE)

    assert not rules.match("c'era una perdita, ma avete riparato tutto").is_request


def test_disabled_rule_does_not_match() -> None:
    rules = _rules(
        """
        mode = "replace"
        [[request]]
        name = "spento"
        enabled = false
        keywords = ["aiuto"]
        """
    )

    assert not rules.match("aiuto").is_request
    assert "spento (DISABLED): aiuto" in rules.describe()


def test_keywords_and_phrases_are_the_same_list() -> None:
    rules = _rules(
        """
        mode = "replace"
        [[request]]
        name = "r"
        keywords = ["caldaia"]
        phrases = ["non si apre"]
        """
    )

    assert rules.match("la porta non si apre").matched_keywords == ("non si apre",)
    assert rules.match("caldaia").matched_keywords == ("caldaia",)


def test_empty_file_is_the_defaults() -> None:
    assert _rules("").match("aiuto").is_request


# --- bad files -----------------------------------------------------------------------------


def test_error_message_shape() -> None:
    error = RulesError(
        "rules.toml", 12, "unknown priority 'SUPER' (expected URGENT, HIGH, MEDIUM or LOW)"
    )

    assert (
        str(error)
        == "rules.toml:12: unknown priority 'SUPER' (expected URGENT, HIGH, MEDIUM or LOW)"
    )
    assert isinstance(error, ValueError)
    assert str(RulesError("r.toml", None, "why")) == "r.toml: why"


@pytest.mark.parametrize(
    ("text", "line", "reason"),
    [
        pytest.param(
            'mode = "extend"\n[[request]]\nname = "a"\nkeywords = ["aiuto"\n',
            5,
            "TOML syntax error",
            id="syntax-unclosed-array",
        ),
        pytest.param(
            'mode = "extend"\nthis is not toml\n', 2, "TOML syntax error", id="syntax-bare-words"
        ),
        pytest.param(
            'mode = "extend"\nmode = "replace"\n', 2, "TOML syntax error", id="syntax-duplicate-key"
        ),
        pytest.param(
            'mode = "extend"\n\n[[priorita]]\nname = "x"\n',
            3,
            "unknown key 'priorita'",
            id="unknown-top-level-table",
        ),
        pytest.param('modo = "extend"\n', 1, "unknown key 'modo'", id="unknown-top-level-key"),
        pytest.param(
            '[[request]]\nname = "a"\nkeywords = ["aiuto"]\nenable = false\n',
            4,
            "unknown key 'enable' in [[request]]",
            id="unknown-rule-key",
        ),
        pytest.param(
            '[[request]]\nname = "a"\nkeywords = ["aiuto"]\npriority = "HIGH"\n',
            4,
            "unknown key 'priority' in [[request]]",
            id="priority-key-on-request-rule",
        ),
        pytest.param(
            'mode = "merge"\n', 1, '\'mode\' must be "extend" or "replace"', id="bad-mode"
        ),
        pytest.param(
            '[[request]]\nname = "a"\nkeywords = "aiuto"\n',
            3,
            "'keywords' must be a list of strings, not 'aiuto'",
            id="keywords-not-a-list",
        ),
        pytest.param(
            '[[request]]\nname = "a"\nkeywords = ["aiuto", 3]\n',
            3,
            "'keywords' must contain only strings, found the number 3",
            id="keyword-not-a-string",
        ),
        pytest.param(
            '[[request]]\nname = "a"\nkeywords = ["aiuto"]\nenabled = "yes"\n',
            4,
            "'enabled' must be true or false, not 'yes'",
            id="enabled-not-bool",
        ),
        pytest.param(
            '[[request]]\nname = 7\nkeywords = ["aiuto"]\n',
            2,
            "'name' must be a non-empty string",
            id="name-not-a-string",
        ),
        pytest.param(
            '[request]\nname = "a"\nkeywords = ["aiuto"]\n',
            1,
            "'request' must be an array of tables, written [[request]]",
            id="table-instead-of-array",
        ),
        pytest.param(
            '# ours\n[[priority]]\nname = "p"\npriority = "SUPER"\nkeywords = ["x"]\n',
            4,
            "unknown priority 'SUPER' (expected URGENT, HIGH, MEDIUM or LOW)",
            id="bad-priority-name",
        ),
        pytest.param(
            '[[priority]]\nname = "p"\nkeywords = ["x"]\n',
            1,
            "priority rule 'p' has no 'priority'",
            id="missing-priority",
        ),
        pytest.param(
            'request_priorities = ["URGENT", "ALTA"]\n',
            1,
            "unknown priority 'ALTA'",
            id="bad-request-priorities",
        ),
        pytest.param(
            '[[request]]\nname = "a"\nkeywords = [\n  "aiuto",\n  "",\n  "rotto",\n]\n',
            5,
            "empty keyword",
            id="empty-keyword",
        ),
        pytest.param(
            '[[request]]\nname = "a"\nkeywords = ["aiuto", "-- 👍"]\n',
            3,
            "empty keyword '-- 👍'",
            id="keyword-without-letters",
        ),
        pytest.param(
            '[[request]]\nname = "a"\nkeywords = [\n  "aiuto",\n  "rip*ar",\n]\n',
            5,
            "bad '*' in 'rip*ar'",
            id="star-in-the-middle",
        ),
        pytest.param(
            '[[request]]\nname = "a"\nkeywords = ["*"]\n', 3, "bad '*' in '*'", id="star-alone"
        ),
        pytest.param(
            '[[request]]\nname = "a"\nkeywords = ["caldaia *"]\n',
            3,
            "'*' must follow a letter or digit",
            id="star-after-space",
        ),
        pytest.param(
            '[[request]]\nname = "a"\nkeywords = ["ripar**"]\n', 3, "bad '*'", id="double-star"
        ),
        pytest.param(
            '[[cancel]]\nname = "a"\nphrases = ["ok, grazie"]\n',
            3,
            "cannot span two sentences",
            id="phrase-with-comma",
        ),
        pytest.param(
            '[[request]]\nname = "a"\nkeywords = []\n',
            1,
            "rule 'a' has no keywords or phrases",
            id="no-keywords",
        ),
        pytest.param(
            '[[request]]\nkeywords = ["x"]\n', 1, "[[request]] has no 'name'", id="missing-name"
        ),
        pytest.param(
            '[[request]]\nname = "dup"\nkeywords = ["x"]\n\n'
            '[[ignore]]\nname = "dup"\nphrases = ["y"]\n',
            6,
            "duplicate rule name 'dup' (first used at line 2)",
            id="duplicate-rule-name",
        ),
        pytest.param(
            '[[request]]\nname = "urgente"\nkeywords = ["x"]\n',
            2,
            "belongs to a default priority rule",
            id="default-name-of-other-kind",
        ),
    ],
)
def test_bad_rules_file_is_refused_with_line_and_reason(text: str, line: int, reason: str) -> None:
    error = _error(text)

    assert error.source == "rules.toml"
    assert error.line == line, str(error)
    assert reason in error.reason, str(error)
    assert str(error).startswith(f"rules.toml:{line}: ")
    assert "\n" not in str(error)


def test_second_rule_of_a_kind_is_located() -> None:
    error = _error(
        """
        [[priority]]
        name = "a"
        priority = "HIGH"
        keywords = ["x"]

        [[priority]]
        name = "b"
        keywords = ["y"]
        priority = "BASSA"
        """
    )

    assert (error.line, error.reason.split(" (")[0]) == (9, "unknown priority 'BASSA'")


def test_default_source_name() -> None:
    with pytest.raises(RulesError) as caught:
        TicketRules.from_toml("mode = 3")
    assert str(caught.value).startswith("<rules>:1: ")

"""One customer is one contact, whatever shape the gateway or the operator gives the number."""

from __future__ import annotations

import phonenumbers
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from sportello.domain.phone import normalize_phone

# Italian mobile numbers: 3 + 9 digits (national significant number, 10 digits).
italian_mobiles = st.from_regex(r"3[1-9][0-9]{8}", fullmatch=True)
# Italian landlines keep their leading 0 in E.164 (+39 06 ...): 0 + 5..10 more digits.
italian_landlines = st.from_regex(r"0[1-9][0-9]{6,8}", fullmatch=True)


def _valid_it(nsn: str) -> bool:
    return phonenumbers.is_valid_number(phonenumbers.parse("+39" + nsn, None))


def _spaced(digits: str, sizes: list[int], sep: str) -> str:
    parts, at = [], 0
    for size in sizes:
        if at >= len(digits):
            break
        parts.append(digits[at : at + size])
        at += size
    if at < len(digits):
        parts.append(digits[at:])
    return sep.join(p for p in parts if p)


@st.composite
def written_forms(draw: st.DrawFn, nsn: str) -> str:
    """One way a person, a gateway or a spreadsheet writes the Italian number `nsn`."""
    sep = draw(st.sampled_from([" ", "-", ".", "  ", " - ", "/"]))
    sizes = draw(st.lists(st.integers(1, 4), min_size=1, max_size=5))
    grouped = _spaced(nsn, sizes, sep)
    prefix = draw(st.sampled_from(["+39", "+39 ", "0039", "0039 ", "(+39) ", "+39-", ""]))
    padding = draw(st.sampled_from(["", " ", "\t", "  "]))
    typed = padding + prefix + grouped + padding
    jid_user = draw(st.sampled_from(["39" + nsn, "39" + nsn + ":" + str(draw(st.integers(0, 99)))]))
    jid = jid_user + draw(st.sampled_from(["@c.us", "@s.whatsapp.net", "@C.US"]))
    wa_id = "39" + nsn  # Cloud API wa_id: international digits without "+"
    return draw(st.sampled_from([typed, jid, wa_id]))


@settings(max_examples=300, deadline=None)
@given(nsn=italian_mobiles, data=st.data())
def test_every_written_form_of_a_mobile_is_one_contact(nsn: str, data: st.DataObject) -> None:
    assume(_valid_it(nsn))
    forms = [data.draw(written_forms(nsn)) for _ in range(4)]

    phones = [normalize_phone(form) for form in forms]

    assert {p.e164 for p in phones} == {"+39" + nsn}, forms
    assert {p.key for p in phones} == {"+39" + nsn}
    assert not any(p.is_group for p in phones)


@settings(max_examples=200, deadline=None)
@given(nsn=italian_landlines, data=st.data())
def test_landlines_keep_their_leading_zero(nsn: str, data: st.DataObject) -> None:
    assume(_valid_it(nsn))
    sep = data.draw(st.sampled_from([" ", "-", ""]))
    forms = [nsn, "+39 " + nsn, "0039" + sep + nsn, nsn[:2] + sep + nsn[2:]]

    assert {normalize_phone(form).e164 for form in forms} == {"+39" + nsn}, forms


@settings(max_examples=200, deadline=None)
@given(region=st.sampled_from(["DE", "FR", "GB", "US", "CH", "ES", "BR", "RO", "AL"]))
def test_foreign_numbers_in_international_form_are_theirs_not_italian(region: str) -> None:
    example = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE)
    assert example is not None
    e164 = phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.E164)
    international = phonenumbers.format_number(
        example, phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )

    forms = [e164, international, "00" + e164[1:], e164[1:] + "@c.us", e164[1:]]

    assert {normalize_phone(form).e164 for form in forms} == {e164}, forms


@settings(max_examples=500, deadline=None)
@given(text=st.text(max_size=60))
def test_anything_at_all_is_understood_or_kept_verbatim_never_a_crash(text: str) -> None:
    phone = normalize_phone(text)

    if phone.e164 is None:
        assert phone.raw == text.strip()
        assert phone.key in ("raw:" + phone.raw, "group:" + phone.raw)
    else:
        assert phone.e164.startswith("+") and phone.e164[1:].isdigit()
        assert phone.key == phone.e164


@settings(max_examples=100, deadline=None)
@given(group=st.from_regex(r"[0-9]{10,18}(-[0-9]{10})?", fullmatch=True))
def test_group_ids_are_groups_never_phone_numbers(group: str) -> None:
    phone = normalize_phone(group + "@g.us")

    assert phone.is_group and phone.e164 is None
    assert phone.key == "group:" + group + "@g.us"


@pytest.mark.parametrize(
    "raw",
    [
        "+39 333 1234567",
        "393331234567",
        "3331234567@c.us",
        "0039 333-123-4567",
        "393331234567@s.whatsapp.net",
        "393331234567:7@s.whatsapp.net",
        "333 123 4567",
    ],
)
def test_contract_examples_are_one_contact(raw: str) -> None:
    assert normalize_phone(raw).e164 == "+393331234567"


@pytest.mark.parametrize(
    "raw", ["status@broadcast", "ciao", "", "   ", "+", "12", "39333@c.us", "123456789012345678"]
)
def test_unparseable_ids_are_kept_verbatim_and_flagged(raw: str) -> None:
    phone = normalize_phone(raw)

    assert phone.e164 is None and not phone.is_valid
    assert phone.raw == raw.strip()
    assert phone.display == phone.raw


def test_display_is_international_format() -> None:
    assert normalize_phone("393331234567@c.us").display == "+39 333 123 4567"

"""Each form's context is checked before rendering; errors name the missing or wrong key."""

from __future__ import annotations

from datetime import datetime

import pytest

from chinhquyen.dossiers import regulations
from chinhquyen.dossiers.regulations import contexts
from chinhquyen.dossiers.regulations.samples import sample_context

KINDS = {
    "01": "receipt",
    "02": "supplement_request",
    "03": "refusal",
    "04": "apology",
    "05": "control_sheet",
    "06": "tracking_book",
}


@pytest.mark.parametrize("code", list(KINDS))
def test_the_sample_context_of_every_form_is_valid(code):
    contexts.validate(sample_context(code), KINDS[code])
    assert regulations.get_pack("tt01_2018").form(code).context == KINDS[code]


def test_a_missing_top_level_key_is_named():
    context = sample_context("01")
    del context["due_at"]
    with pytest.raises(regulations.MissingContextKey) as caught:
        regulations.render("01", context)
    assert caught.value.key == "due_at"
    assert str(caught.value) == "form 01 (tt01_2018): missing required key 'due_at'"


def test_the_error_is_also_a_key_error_and_a_value_error():
    context = sample_context("03")
    del context["reasons"]
    with pytest.raises(KeyError):
        regulations.render("03", context)
    with pytest.raises(ValueError, match="'reasons'"):
        regulations.render("03", context)


def test_nested_and_list_keys_are_named_by_their_path():
    context = sample_context("01")
    del context["applicant"]["name"]
    del context["papers"][1]["quantity"]
    with pytest.raises(regulations.MissingContextKey) as caught:
        regulations.render("01", context)
    assert caught.value.keys == ["applicant.name", "papers[1].quantity"]
    assert "'applicant.name', 'papers[1].quantity'" in str(caught.value)


def test_an_empty_string_counts_as_missing():
    context = sample_context("02")
    context["dossier_code"] = ""
    with pytest.raises(regulations.MissingContextKey, match="'dossier_code'"):
        regulations.render("02", context)


def test_optional_keys_may_be_left_out():
    context = sample_context("01")
    del context["tracking_book"]
    del context["applicant"]["email"]
    contexts.validate(context, "receipt")


def test_a_naive_datetime_is_refused():
    context = sample_context("04")
    context["new_due_at"] = datetime(2026, 3, 12, 14, 30)
    with pytest.raises(regulations.FormContextError, match="'new_due_at' must be timezone-aware"):
        regulations.render("04", context)


def test_a_date_given_as_text_is_refused():
    context = sample_context("01")
    context["received_at"] = "12/02/2026"
    with pytest.raises(regulations.FormContextError, match="'received_at' must be a datetime"):
        regulations.render("01", context)


def test_a_value_outside_the_choices_is_refused():
    context = sample_context("05")
    context["handovers"][0]["result"] = "sớm"
    with pytest.raises(regulations.FormContextError, match=r"'handovers\[0\].result' must be one"):
        regulations.render("05", context)


def test_the_qr_url_may_not_carry_the_phone_number():
    context = sample_context("01")
    context["lookup_url"] = "https://chinhquyen.example/tra-cuu?sdt=0912345678"
    with pytest.raises(regulations.FormContextError, match="phone number"):
        regulations.render("01", context)


def test_the_qr_url_must_be_a_web_address():
    context = sample_context("06")
    context["lookup_url"] = "javascript:alert(1)"
    with pytest.raises(regulations.FormContextError, match="http"):
        regulations.render("06", context)


@pytest.mark.parametrize(("code", "key"), [("01", "papers"), ("02", "items"), ("03", "reasons")])
def test_lists_the_law_requires_may_not_be_empty(code, key):
    # A refusal without reasons or a supplement request listing nothing is a defective form.
    context = sample_context(code)
    context[key] = []
    with pytest.raises(regulations.MissingContextKey, match=f"'{key}'"):
        regulations.render(code, context)


def test_a_period_without_dossiers_still_prints_its_book():
    context = sample_context("06")
    context["rows"] = []
    contexts.validate(context, "tracking_book")


def test_wrong_type_messages_do_not_repeat_the_value():
    context = sample_context("01")
    context["applicant"]["phone"] = 912345678
    with pytest.raises(regulations.FormContextError) as caught:
        regulations.render("01", context)
    assert str(caught.value) == "form 01 (tt01_2018): 'applicant.phone' must be a str, got int"
    assert caught.value.key == "applicant.phone"

"""Notification templates: locale choice, filters, escaping, the sandbox, missing fields and the
validation an administrator gets when saving a template."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from keyi.platform.i18n import message
from keyi.platform.notify import (
    MessageTemplate,
    TemplateRenderError,
    choose_locale,
    render,
    validate_template,
)

DEAL = MessageTemplate(
    subject={"zh-CN": "商机“{{ record.name }}”已赢单", "en": "Deal {{ record.name }} won"},
    text={
        "zh-CN": "金额 {{ record.amount | money(record.amount_currency) }}，"
        "成交日期 {{ record.close_date | date }}，负责人 {{ user.name }}",
        "en": "Amount {{ record.amount | money(record.amount_currency) }}, "
        "closed {{ record.close_date | date }}, owner {{ user.name }}",
    },
    html={
        "zh-CN": "<p>{{ record.name }}：{{ record.amount | money(record.amount_currency) }}</p>",
        "en": "<p>{{ record.name }}: {{ record.amount | money(record.amount_currency) }}</p>",
    },
)
VALUES: dict[str, Any] = {
    "record": {
        "name": "华为 <云> & Co",
        "amount": Decimal("1234567.5"),
        "amount_currency": "CNY",
        "close_date": date(2026, 3, 5),
        "description": None,
    },
    "user": {"name": "王芳"},
}


def _one(source: str, values: dict[str, Any] | None = None, **kwargs: Any) -> str:
    """Render a single-part template (the subject doubles as a one-line probe)."""
    template = MessageTemplate(subject={"en": "s", "zh-CN": "s"}, text={"en": source})
    return render(template, values or VALUES, language="en", **kwargs).text


def test_renders_in_the_recipients_language() -> None:
    chinese = render(DEAL, VALUES, language="zh-CN")
    assert chinese.locale == "zh-CN"
    assert chinese.subject == "商机“华为 <云> & Co”已赢单"
    assert chinese.text == "金额 ¥1,234,567.50，成交日期 2026年3月5日，负责人 王芳"

    english = render(DEAL, VALUES, language="en")
    assert english.subject == "Deal 华为 <云> & Co won"
    assert english.text == "Amount CN¥1,234,567.50, closed 5 Mar 2026, owner 王芳"


@pytest.mark.parametrize(
    ("language", "available", "expected"),
    [
        (None, {"en", "zh-CN"}, "zh-CN"),  # unset: the default language
        ("en-US", {"en", "zh-CN"}, "en"),
        ("en_GB", {"en", "zh-CN"}, "en"),
        ("zh-Hans", {"en", "zh-CN"}, "zh-CN"),
        ("fr", {"en", "zh-CN"}, "zh-CN"),
        ("en", {"zh-CN"}, "zh-CN"),  # no English variant: fall back to Chinese
        (None, {"en"}, "en"),  # no Chinese variant: English rather than nothing
    ],
)
def test_locale_fallback(language: str | None, available: set[str], expected: str) -> None:
    assert choose_locale(available, language) == expected


def test_an_english_only_template_still_renders_for_chinese_users() -> None:
    template = MessageTemplate(subject={"en": "Hi {{ user.name }}"}, text={"en": "x"})
    assert render(template, VALUES, language="zh-CN").subject == "Hi 王芳"


def test_html_is_escaped_and_text_and_subject_are_not() -> None:
    rendered = render(DEAL, VALUES, language="en")
    assert rendered.html == "<p>华为 &lt;云&gt; &amp; Co: CN¥1,234,567.50</p>"
    assert "<云> & Co" in rendered.subject
    hostile = {"record": {"name": "<script>alert(1)</script>"}}
    html = render(
        MessageTemplate({"en": "s"}, {"en": "{{ record.name }}"}, {"en": "{{ record.name }}"}),
        hostile,
        language="en",
    ).html
    assert html == "&lt;script&gt;alert(1)&lt;/script&gt;"


def test_subject_is_one_line() -> None:
    template = MessageTemplate({"en": "A\n{{ user.name }}\r\nB"}, {"en": "x"})
    assert render(template, VALUES, language="en").subject == "A 王芳 B"


@pytest.mark.parametrize(
    ("source", "language", "expected"),
    [
        ("{{ 1234.5 | money('USD') }}", "en", "$1,234.50"),
        ("{{ 1234.5 | money('USD') }}", "zh-CN", "US$1,234.50"),
        ("{{ -99 | money('CNY') }}", "zh-CN", "-¥99.00"),
        ("{{ '5000' | money('JPY') }}", "en", "JP¥5,000"),
        ("{{ 12.345 | money('CHF') }}", "en", "CHF 12.35"),  # unknown: the code itself
        ("{{ 1000000 | money }}", "en", "1,000,000.00"),
        ("{{ none | money('CNY') }}", "en", ""),
        ("{{ 'n/a' | money('CNY') }}", "en", "n/a"),
        ("{{ '2026-12-31' | date }}", "zh-CN", "2026年12月31日"),
        ("{{ '2026-12-31' | date }}", "en", "31 Dec 2026"),
        ("{{ none | date }}", "en", ""),
    ],
)
def test_filters(source: str, language: str, expected: str) -> None:
    template = MessageTemplate({"en": "s", "zh-CN": "s"}, {"en": source, "zh-CN": source})
    assert render(template, {"none": None}, language=language).text == expected


def test_timestamps_are_shown_in_the_recipients_time_zone() -> None:
    # Stored timestamps are naive UTC: 2026-03-05 17:30 UTC is already the 6th in Shanghai.
    values = {"at": datetime(2026, 3, 5, 17, 30)}
    shanghai = ZoneInfo("Asia/Shanghai")
    assert _one("{{ at | date }}", values, time_zone=shanghai) == "6 Mar 2026"
    assert _one("{{ at | datetime }}", values, time_zone=shanghai) == "6 Mar 2026 01:30"
    assert _one("{{ at | datetime }}", values) == "5 Mar 2026 17:30"  # UTC by default
    chinese = MessageTemplate({"zh-CN": "s"}, {"zh-CN": "{{ at | datetime }}"})
    assert (
        render(chinese, {"at": "2026-03-05T17:30:00+00:00"}, language=None, time_zone=shanghai).text
        == "2026年3月6日 01:30"
    )


@pytest.mark.parametrize(
    "source",
    [
        "{{ ''.__class__ }}",
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ record.__class__ }}",
        "{{ record | attr('__class__') }}",
        "{{ cycler.__init__.__globals__ }}",
        "{{ record.items.__self__ }}",
        "{% set _ = record.update({'name': 'x'}) %}",  # values are read-only
        "{{ 'x' * 100000000 }}",  # would exhaust memory
        "{{ 9 ** 9999999 }}",  # would hang the worker
    ],
)
def test_the_sandbox_refuses_escapes_and_abuse(source: str) -> None:
    with pytest.raises(TemplateRenderError) as caught:
        _one(source)
    assert caught.value.part == "text.en"
    assert "<class" not in str(caught.value)
    assert VALUES["record"]["name"] == "华为 <云> & Co"


def test_private_attributes_are_not_reachable() -> None:
    class Secretive:
        _token = "hidden"
        visible = "shown"

    assert _one("{{ obj.visible }}", {"obj": Secretive()}) == "shown"
    with pytest.raises(TemplateRenderError):
        _one("{{ obj._token }}", {"obj": Secretive()})


def test_missing_fields_fail_and_empty_fields_render_empty() -> None:
    with pytest.raises(TemplateRenderError, match="amout"):
        _one("{{ record.amout }}")
    with pytest.raises(TemplateRenderError, match="'customer' is undefined"):
        _one("{{ customer }}")
    assert _one("[{{ record.description }}]") == "[]"
    assert _one("{{ record.missing | default('—') }}") == "—"
    assert _one("{% if record.missing is defined %}x{% else %}y{% endif %}") == "y"


def test_locale_is_visible_to_templates() -> None:
    template = MessageTemplate({"en": "s", "zh-CN": "s"}, {"zh-CN": "{{ locale }}"})
    assert render(template, {"locale": "en"}, language=None).text == "zh-CN"


def test_a_valid_template_has_no_errors() -> None:
    data = {
        "subject": DEAL.subject,
        "text": DEAL.text,
        "html": DEAL.html,
    }
    assert validate_template(data, known_names={"record", "user"}) == []
    assert MessageTemplate.from_dict(data) == DEAL


def test_validation_reports_each_problem_with_its_place_and_line() -> None:
    errors = validate_template(
        {
            "subject": {"zh-CN": "{{ record.name }", "en": "ok", "fr": "x"},
            "text": {"zh-CN": "第一行\n{{ record.amount | mony }}", "en": "a\n\n{% if %}"},
            "html": {"en": "<p>{{ companny }}</p>"},
            "footer": {},
        },
        known_names={"record", "user", "company"},
    )
    found = {(e.field, e.code): e.params for e in errors}
    assert found[("subject.zh-CN", "invalid_template")] == {
        "line": 1,
        "reason": "unexpected '}'",
    }
    assert found[("subject.fr", "invalid_option")] == {"value": "fr"}
    assert found[("text.zh-CN", "invalid_template")]["line"] == 2
    assert "mony" in found[("text.zh-CN", "invalid_template")]["reason"]
    assert found[("text.en", "invalid_template")]["line"] == 3
    assert found[("html.en", "unknown_merge_field")] == {"name": "companny"}
    assert ("html.zh-CN", "missing_locale") in found
    assert ("footer", "unknown_field") in found
    assert len(errors) == 7
    # The codes have messages in both languages.
    line_error = next(e for e in errors if e.field == "text.en")
    assert message(line_error.code, "zh-CN", **line_error.params).startswith("模板无效（第 3 行）")
    assert message("unknown_merge_field", "en", name="x") == "Unknown merge field 'x'."


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ("not a template", [("template", "invalid_request")]),
        ({"subject": {"en": "x"}}, [("text", "required")]),
        ({"subject": {}, "text": {"en": "x"}}, [("subject", "required")]),
        ({"subject": {"en": 3}, "text": {"en": "x"}}, [("subject.en", "invalid_text")]),
        ({"subject": {"en": "x" * 20_001}, "text": {"en": "x"}}, [("subject.en", "too_long")]),
    ],
)
def test_validation_of_the_shape(data: Any, expected: list[tuple[str, str]]) -> None:
    assert [(e.field, e.code) for e in validate_template(data)] == expected


def test_validation_does_not_render() -> None:
    # A template whose rendering would fail (a refused attribute, a huge repetition) is still
    # well-formed: validation parses and compiles, it never runs the template.
    assert validate_template({"subject": {"en": "{{ 'x' * 10**9 }}"}, "text": {"en": "x"}}) == []

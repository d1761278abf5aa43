"""Message templates with merge fields, rendered in Jinja2's immutable sandbox.

Administrators write these templates (the subject and body of a notification, per language), so
they are untrusted code: they run in `ImmutableSandboxedEnvironment`, which refuses attribute
access to private and dunder names (`{{ ''.__class__ }}` fails with a SecurityError instead of
reaching Python internals) and refuses to mutate the values passed in. The sandbox also caps
`range()`; here string/list repetition and powers are capped too, because `{{ 'x' * 10**9 }}`
would otherwise exhaust memory in the worker.

Missing fields: `StrictUndefined`. A template that names a field the merge values do not have
(`record.amout`, a field since deleted) fails to render with an error naming it, rather than
sending a message with a silent hole in it — the sender records the failure where the
administrator can see it. A field that exists but is empty (`None`) renders as an empty string:
that is data, not a mistake. `{{ record.x | default("—") }}` and `{% if record.x is defined %}`
still work for optional fields.

Escaping: HTML bodies are autoescaped (a customer called `<script>` stays text); subjects and
plain-text bodies are not, since escaping there would show `&lt;` to the reader.
"""

from __future__ import annotations

import operator
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import StrictUndefined, TemplateError, TemplateSyntaxError, meta, pass_context
from jinja2.runtime import Context
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

from keyi.platform.errors import FieldError, FieldErrors

__all__ = [
    "DEFAULT_LOCALE",
    "LOCALES",
    "MessageTemplate",
    "RenderedMessage",
    "TemplateRenderError",
    "choose_locale",
    "render",
    "validate_template",
]

LOCALES = ("zh-CN", "en")
DEFAULT_LOCALE = "zh-CN"  # the default language of a user record, as in keyi.platform.mail
PARTS = ("subject", "text", "html")
MAX_SOURCE_CHARS = 20_000
# Names render() itself puts into every template's context (merge values cannot replace them).
RESERVED_NAMES = frozenset({"locale", "time_zone"})
MAX_REPEAT = 10_000  # longest string/list `*` may build
MAX_EXPONENT = 100


@dataclass(frozen=True)
class MessageTemplate:
    """Subject, plain-text body and optional HTML body, each a map locale → template source.

    `text` is always there: it is the robot message, the in-app text and the plain part of
    an email; `html` is only for email.
    """

    subject: Mapping[str, str]
    text: Mapping[str, str]
    html: Mapping[str, str] | None = None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> MessageTemplate:
        """From the shape `validate_template` accepts (validate first: this trusts it)."""
        return cls(subject=data["subject"], text=data["text"], html=data.get("html") or None)


@dataclass(frozen=True)
class RenderedMessage:
    locale: str
    subject: str
    text: str
    html: str | None = None


class TemplateRenderError(Exception):
    """The template could not be rendered with these values; `part` says which source
    (`text.zh-CN`) and `reason` why (a missing field, a refused attribute, a bad value)."""

    def __init__(self, part: str, reason: str) -> None:
        self.part = part
        self.reason = reason
        super().__init__(f"{part}: {reason}")


# ------------------------------------------------------------------ locale choice
def normalise_locale(language: str | None) -> str:
    """A user's language as one of LOCALES: `en`, `en-US`, `en_GB` → en; anything else (zh,
    zh-Hans, unset) → zh-CN, as the invitation mail decides."""
    if language and language.replace("_", "-").lower().split("-")[0] == "en":
        return "en"
    return DEFAULT_LOCALE


def choose_locale(available: Collection[str], language: str | None) -> str:
    """The recipient's locale when the template has it, else the default, else any present."""
    wanted = normalise_locale(language)
    for candidate in (wanted, DEFAULT_LOCALE, *LOCALES):
        if candidate in available:
            return candidate
    if not available:
        raise ValueError("a template needs at least one locale")
    return sorted(available)[0]


# ------------------------------------------------------------------ filters
_MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
# Currency symbols as each audience reads them: ¥ alone means yuan to a Chinese reader, while
# an English reader in an international company expects the CN¥ / $ distinction.
_CURRENCY_SYMBOL = {
    "CNY": {"zh-CN": "¥", "en": "CN¥"},
    "USD": {"zh-CN": "US$", "en": "$"},
    "HKD": {"zh-CN": "HK$", "en": "HK$"},
    "EUR": {"zh-CN": "€", "en": "€"},
    "GBP": {"zh-CN": "£", "en": "£"},
    "JPY": {"zh-CN": "JP¥", "en": "JP¥"},
}
_ZERO_DECIMAL_CURRENCIES = frozenset({"JPY", "KRW"})


def _locale_of(context: Context) -> str:
    locale = context.get("locale")
    return locale if locale in LOCALES else DEFAULT_LOCALE


def _decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, Decimal | int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, str):
        try:
            parsed = Decimal(value.strip())
        except InvalidOperation:
            return None
        return parsed if parsed.is_finite() else None
    return None


@pass_context
def money_filter(context: Context, value: Any, currency: str | None = None) -> str:
    """`1234.5 | money("CNY")` → `¥1,234.50` (zh-CN) / `CN¥1,234.50` (en); without a currency
    just the grouped number. Empty stays empty; a value that is not a number is shown as is."""
    if value is None or value == "":
        return ""
    amount = _decimal(value)
    if amount is None:
        return str(value)
    code = (currency or "").upper()
    places = 0 if code in _ZERO_DECIMAL_CURRENCIES else 2
    # Half up, as on an invoice (Decimal's own formatting would round half to even).
    rounded = abs(amount).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    number = f"{rounded:,.{places}f}"
    sign = "-" if amount < 0 and rounded else ""
    if not code:
        return f"{sign}{number}"
    symbol = _CURRENCY_SYMBOL.get(code, {}).get(_locale_of(context))
    return f"{sign}{symbol}{number}" if symbol else f"{sign}{code} {number}"


def _as_local(value: datetime, zone: ZoneInfo) -> datetime:
    # Naive datetimes are UTC: the storage convention of every timestamp (keyi.platform.clock).
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    return aware.astimezone(zone)


def _parse_temporal(value: Any) -> date | datetime | None:
    if isinstance(value, date):  # datetime is a date too
        return value
    if isinstance(value, str):
        text = value.strip()
        try:
            return date.fromisoformat(text) if len(text) == 10 else datetime.fromisoformat(text)
        except ValueError:
            return None
    return None


def _zone_of(context: Context) -> ZoneInfo:
    zone = context.get("time_zone")
    return zone if isinstance(zone, ZoneInfo) else ZoneInfo("UTC")


def _format_date(day: date, locale: str) -> str:
    if locale == "en":
        return f"{day.day} {_MONTHS_EN[day.month - 1]} {day.year}"
    return f"{day.year}年{day.month}月{day.day}日"


@pass_context
def date_filter(context: Context, value: Any) -> str:
    """`2026-03-05` → `2026年3月5日` / `5 Mar 2026`; a timestamp gives its date in the
    recipient's time zone."""
    parsed = _parse_temporal(value)
    if parsed is None:
        return "" if value is None else str(value)
    if isinstance(parsed, datetime):
        parsed = _as_local(parsed, _zone_of(context)).date()
    return _format_date(parsed, _locale_of(context))


@pass_context
def datetime_filter(context: Context, value: Any) -> str:
    """A timestamp in the recipient's time zone: `2026年3月5日 14:30` / `5 Mar 2026 14:30`."""
    parsed = _parse_temporal(value)
    if parsed is None:
        return "" if value is None else str(value)
    if not isinstance(parsed, datetime):
        return _format_date(parsed, _locale_of(context))
    local = _as_local(parsed, _zone_of(context))
    return f"{_format_date(local.date(), _locale_of(context))} {local:%H:%M}"


# ------------------------------------------------------------------ the sandbox
def _finalize(value: Any) -> Any:
    return "" if value is None else value


class _Sandbox(ImmutableSandboxedEnvironment):
    """The immutable sandbox, plus limits on `*` and `**` (see the module docstring)."""

    intercepted_binops = frozenset({"*", "**"})

    def call_binop(self, context: Context, op: str, left: Any, right: Any) -> Any:
        if op == "**":
            if isinstance(right, int | float) and abs(right) > MAX_EXPONENT:
                raise SecurityError(f"exponent larger than {MAX_EXPONENT}")
            return operator.pow(left, right)
        if op == "*":
            for seq, count in ((left, right), (right, left)):
                if (
                    isinstance(seq, str | list | tuple)
                    and isinstance(count, int)
                    and len(seq) * count > MAX_REPEAT
                ):
                    raise SecurityError(f"result longer than {MAX_REPEAT}")
        return super().call_binop(context, op, left, right)


@lru_cache(maxsize=2)
def _environment(html: bool) -> _Sandbox:
    env = _Sandbox(
        autoescape=html,
        undefined=StrictUndefined,
        finalize=_finalize,
        keep_trailing_newline=True,
        auto_reload=False,
    )
    env.filters["money"] = money_filter
    env.filters["date"] = date_filter
    env.filters["datetime"] = datetime_filter
    return env


@lru_cache(maxsize=512)
def _compiled(html: bool, source: str) -> Any:
    return _environment(html).from_string(source)


def _render_part(part: str, source: str, html: bool, context: Mapping[str, Any]) -> str:
    try:
        return str(_compiled(html, source).render(context))
    except SecurityError as exc:
        raise TemplateRenderError(part, f"not allowed in a template: {exc}") from None
    except TemplateError as exc:  # undefined fields, syntax (unvalidated source)
        raise TemplateRenderError(part, exc.message or type(exc).__name__) from None
    except (TypeError, ValueError, ArithmeticError, LookupError) as exc:
        raise TemplateRenderError(part, f"{type(exc).__name__}: {exc}") from None


def render(
    template: MessageTemplate,
    values: Mapping[str, Any],
    *,
    language: str | None,
    time_zone: ZoneInfo | None = None,
) -> RenderedMessage:
    """Render every part in the recipient's language (with fallback, see `choose_locale`).

    `values` is plain data, e.g. `{"record": {...}, "user": {...}, "company": "..."}`; the
    templates also see `locale` and `time_zone`. Raises TemplateRenderError.
    """
    locale = choose_locale(template.subject.keys(), language)
    context = {**values, "locale": locale, "time_zone": time_zone or ZoneInfo("UTC")}

    def pick(part: str, sources: Mapping[str, str]) -> tuple[str, str]:
        chosen = locale if locale in sources else choose_locale(sources.keys(), locale)
        return f"{part}.{chosen}", sources[chosen]

    subject_key, subject = pick("subject", template.subject)
    text_key, text = pick("text", template.text)
    # A subject is one line whatever the template's whitespace says (header injection aside,
    # which the email builder refuses anyway).
    rendered_subject = " ".join(_render_part(subject_key, subject, False, context).split())
    html = None
    if template.html:
        html_key, html_source = pick("html", template.html)
        html = _render_part(html_key, html_source, True, context)
    return RenderedMessage(
        locale=locale,
        subject=rendered_subject,
        text=_render_part(text_key, text, False, context),
        html=html,
    )


# ------------------------------------------------------------------ validation
def _check_source(
    errors: FieldErrors, where: str, source: Any, html: bool, known: Collection[str] | None
) -> None:
    if not isinstance(source, str):
        errors.add(where, "invalid_text")
        return
    if len(source) > MAX_SOURCE_CHARS:
        errors.add(where, "too_long", max=MAX_SOURCE_CHARS)
        return
    env = _environment(html)
    try:
        # compile() also resolves filter names, so `| mony` is caught here, not at send time.
        env.compile(source)
        tree = env.parse(source)
    except TemplateSyntaxError as exc:
        errors.add(where, "invalid_template", line=exc.lineno, reason=exc.message or "")
        return
    if known is not None:
        allowed = set(known) | RESERVED_NAMES
        for name in sorted(meta.find_undeclared_variables(tree) - allowed):
            errors.add(where, "unknown_merge_field", name=name)


def validate_template(data: Any, *, known_names: Collection[str] | None = None) -> list[FieldError]:
    """Every problem with a template an administrator is saving, without rendering it.

    `data` is `{"subject": {locale: source}, "text": {...}, "html": {...} | absent}`. Errors
    are FieldErrors at `subject.zh-CN` etc.: `invalid_template` (with `line` and `reason`),
    `unknown_merge_field` (a top-level name outside `known_names`, when given), `required`,
    `invalid_option` (a locale other than en/zh-CN), `missing_locale` (a part lacks a language
    the subject has), `too_long`, `invalid_text`.
    """
    errors = FieldErrors()
    if not isinstance(data, Mapping):
        errors.add("template", "invalid_request")
        return errors.items
    for key in data:
        if key not in PARTS:
            errors.add(str(key), "unknown_field", field=str(key))
    subject_locales: set[str] = set()
    for part in PARTS:
        variants = data.get(part)
        if variants is None and part == "html":
            continue
        if not isinstance(variants, Mapping) or not variants:
            errors.add(part, "required")
            continue
        for locale, source in variants.items():
            where = f"{part}.{locale}"
            if locale not in LOCALES:
                errors.add(where, "invalid_option", value=str(locale))
                continue
            _check_source(errors, where, source, part == "html", known_names)
        if part == "subject":
            subject_locales = {str(k) for k in variants if k in LOCALES}
        else:
            for locale in sorted(subject_locales - set(variants)):
                errors.add(f"{part}.{locale}", "missing_locale", locale=locale)
    return errors.items

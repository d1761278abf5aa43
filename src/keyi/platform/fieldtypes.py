"""Field types as plug-ins: the columns a type needs, how input is coerced, how values leave.

One class per type, registered in TYPES. The records service, the schema builder, the query
compiler and the OpenAPI generator all ask this registry instead of switching on type names.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar

import sqlalchemy as sa

from keyi.platform.metadata.model import FieldDef, FieldType

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE_RE = re.compile(r"^\+?[0-9 ()\-.]{3,32}(?:(?:ext|x|转)\s*[0-9]{1,6})?$")
URL_RE = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)
CURRENCY_RE = re.compile(r"^[A-Z]{3}$")

ALL_OPS = frozenset(
    {
        "eq",
        "ne",
        "lt",
        "lte",
        "gt",
        "gte",
        "in",
        "contains",
        "starts_with",
        "is_null",
        "between",
        "anniversary",
    }
)
ORDERED_OPS = frozenset({"eq", "ne", "lt", "lte", "gt", "gte", "in", "is_null", "between"})
TEXT_OPS = frozenset(
    {"eq", "ne", "lt", "lte", "gt", "gte", "in", "contains", "starts_with", "is_null", "between"}
)
EQUALITY_OPS = frozenset({"eq", "ne", "in", "is_null"})


class Invalid(Exception):
    """Raised by coerce(); carries the message code and parameters for the field error."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


class FieldTypeImpl:
    """Behaviour shared by most types; subclasses override what differs."""

    type: ClassVar[FieldType]
    operators: ClassVar[frozenset[str]] = ORDERED_OPS
    sortable: ClassVar[bool] = True
    json_schema: ClassVar[dict[str, Any]] = {}

    def columns(self, field: FieldDef) -> list[sa.Column[Any]]:
        return [sa.Column(field.name, self.sql_type(field), nullable=True)]

    def sql_type(self, field: FieldDef) -> sa.types.TypeEngine[Any]:
        raise NotImplementedError

    def coerce(self, field: FieldDef, raw: Any) -> Any:
        """Turn JSON input into the Python value stored; raise Invalid with a message code."""
        raise NotImplementedError

    def to_json(self, field: FieldDef, value: Any) -> Any:
        return value

    def schema_for(self, field: FieldDef) -> dict[str, Any]:
        return dict(self.json_schema)

    def coerce_filter_value(self, field: FieldDef, raw: Any) -> Any:
        """Values in filters follow the same rules as input values."""
        return self.coerce(field, raw)


class TextType(FieldTypeImpl):
    type = FieldType.TEXT
    operators = TEXT_OPS
    default_length = 255
    json_schema: ClassVar[dict[str, Any]] = {"type": "string"}

    def sql_type(self, field: FieldDef) -> sa.types.TypeEngine[Any]:
        return sa.String(field.max_length or self.default_length)

    def coerce(self, field: FieldDef, raw: Any) -> Any:
        if isinstance(raw, bool) or not isinstance(raw, str | int | float | Decimal):
            raise Invalid("invalid_text")
        text = str(raw).strip()
        if "\x00" in text:  # PostgreSQL text cannot hold NUL; refuse it on every backend
            raise Invalid("invalid_text")
        if text == "":
            return None
        limit = field.max_length or self.default_length
        if len(text) > limit:
            raise Invalid("too_long", max=limit)
        return self.normalise(text)

    def normalise(self, text: str) -> str:
        return text

    def coerce_filter_value(self, field: FieldDef, raw: Any) -> Any:
        if isinstance(raw, bool) or not isinstance(raw, str | int | float | Decimal):
            raise Invalid("invalid_text")
        if "\x00" in str(raw):
            raise Invalid("invalid_text")
        return str(raw)


class LongTextType(TextType):
    type = FieldType.LONG_TEXT
    operators = frozenset({"contains", "starts_with", "is_null", "eq", "ne"})
    sortable = False
    default_length = 131072

    def sql_type(self, field: FieldDef) -> sa.types.TypeEngine[Any]:
        return sa.Text()


class EmailType(TextType):
    type = FieldType.EMAIL
    json_schema: ClassVar[dict[str, Any]] = {"type": "string", "format": "email"}

    def normalise(self, text: str) -> str:
        if not EMAIL_RE.match(text):
            raise Invalid("invalid_email")
        return text.lower()

    def coerce_filter_value(self, field: FieldDef, raw: Any) -> Any:
        """Addresses are stored lower-case, so `eq Bob@Example.com` must compare lower-case
        too (a part for `contains` need not be a whole address)."""
        return str(super().coerce_filter_value(field, raw)).lower()


class PhoneType(TextType):
    type = FieldType.PHONE
    default_length = 40

    def normalise(self, text: str) -> str:
        if not PHONE_RE.match(text) or sum(ch.isdigit() for ch in text) < 3:
            raise Invalid("invalid_phone")
        return text


class UrlType(TextType):
    type = FieldType.URL
    default_length = 1024
    json_schema: ClassVar[dict[str, Any]] = {"type": "string", "format": "uri"}

    def normalise(self, text: str) -> str:
        if not URL_RE.match(text):
            if URL_RE.match("https://" + text) and "." in text:
                return "https://" + text
            raise Invalid("invalid_url")
        return text


class AutoNumberType(TextType):
    type = FieldType.AUTO_NUMBER
    default_length = 64


class IntegerType(FieldTypeImpl):
    type = FieldType.INTEGER
    json_schema: ClassVar[dict[str, Any]] = {"type": "integer"}
    limit = 2**63 - 1

    def sql_type(self, field: FieldDef) -> sa.types.TypeEngine[Any]:
        return sa.BigInteger()

    def coerce(self, field: FieldDef, raw: Any) -> Any:
        if isinstance(raw, bool):
            raise Invalid("invalid_integer")
        if isinstance(raw, str):
            raw = raw.strip().replace(",", "")
            if raw == "":
                return None
        try:
            value = Decimal(str(raw))
        except (InvalidOperation, ValueError):
            raise Invalid("invalid_integer") from None
        if not value.is_finite() or value != value.to_integral_value():
            raise Invalid("invalid_integer")
        if abs(value) > self.limit:
            raise Invalid("number_too_large")
        return int(value)


class DecimalType(FieldTypeImpl):
    type = FieldType.DECIMAL
    json_schema: ClassVar[dict[str, Any]] = {"type": "number"}
    default_precision = 18
    default_scale = 4

    def precision_scale(self, field: FieldDef) -> tuple[int, int]:
        return field.precision or self.default_precision, (
            field.scale if field.scale is not None else self.default_scale
        )

    def sql_type(self, field: FieldDef) -> sa.types.TypeEngine[Any]:
        precision, scale = self.precision_scale(field)
        return sa.Numeric(precision, scale, asdecimal=True)

    def coerce(self, field: FieldDef, raw: Any) -> Any:
        if isinstance(raw, bool):
            raise Invalid("invalid_number")
        if isinstance(raw, str):
            raw = raw.strip().replace(",", "")
            if raw == "":
                return None
        try:
            value = Decimal(str(raw))
        except (InvalidOperation, ValueError):
            raise Invalid("invalid_number") from None
        if not value.is_finite():
            raise Invalid("invalid_number")
        precision, scale = self.precision_scale(field)
        # Reject huge values before quantize: beyond the decimal context's 28 digits it raises.
        if value.adjusted() >= precision - scale:
            raise Invalid("number_too_large")
        value = value.quantize(Decimal(1).scaleb(-scale)) if scale else value.quantize(Decimal(1))
        if value.adjusted() >= precision - scale:
            raise Invalid("number_too_large")
        return value

    def to_json(self, field: FieldDef, value: Any) -> Any:
        """An int when whole, else the exact Decimal (written verbatim by jsoncodec): never a
        float, which would round 1234567890123456.78 to …6.8."""
        if value is None:
            return None
        if not isinstance(value, Decimal):
            value = Decimal(str(value))
        if value == value.to_integral_value():
            return int(value)
        return value


class PercentType(DecimalType):
    type = FieldType.PERCENT
    default_precision = 9
    default_scale = 4


class CurrencyType(DecimalType):
    """Amount plus an ISO 4217 code in a sibling column `<name>_currency`."""

    type = FieldType.CURRENCY
    default_scale = 2

    def columns(self, field: FieldDef) -> list[sa.Column[Any]]:
        return [
            sa.Column(field.name, self.sql_type(field), nullable=True),
            sa.Column(currency_column(field.name), sa.String(3), nullable=True),
        ]


def currency_column(name: str) -> str:
    return f"{name}_currency"


def coerce_currency_code(raw: Any) -> str:
    if not isinstance(raw, str) or not CURRENCY_RE.match(raw.strip().upper()):
        raise Invalid("invalid_currency")
    return raw.strip().upper()


class BooleanType(FieldTypeImpl):
    type = FieldType.BOOLEAN
    operators = EQUALITY_OPS
    json_schema: ClassVar[dict[str, Any]] = {"type": "boolean"}
    TRUE = frozenset({"true", "1", "yes", "y", "是", "on"})
    FALSE = frozenset({"false", "0", "no", "n", "否", "off"})

    def sql_type(self, field: FieldDef) -> sa.types.TypeEngine[Any]:
        return sa.Boolean()

    def coerce(self, field: FieldDef, raw: Any) -> Any:
        if isinstance(raw, bool):
            return raw
        if isinstance(raw, int) and raw in (0, 1):
            return bool(raw)
        if isinstance(raw, str):
            lowered = raw.strip().lower()
            if lowered in self.TRUE:
                return True
            if lowered in self.FALSE:
                return False
        raise Invalid("invalid_boolean")


class DateType(FieldTypeImpl):
    type = FieldType.DATE
    # `anniversary`: the same month and day in any year (birthdays, founding days).
    operators = ORDERED_OPS | {"anniversary"}
    json_schema: ClassVar[dict[str, Any]] = {"type": "string", "format": "date"}

    def sql_type(self, field: FieldDef) -> sa.types.TypeEngine[Any]:
        return sa.Date()

    def coerce(self, field: FieldDef, raw: Any) -> Any:
        if isinstance(raw, datetime):
            return raw.date()
        if isinstance(raw, date):
            return raw
        if isinstance(raw, str):
            text = raw.strip()
            if text == "":
                return None
            try:
                return (
                    date.fromisoformat(text[:10]) if len(text) >= 10 else date.fromisoformat(text)
                )
            except ValueError:
                pass
        raise Invalid("invalid_date")

    def to_json(self, field: FieldDef, value: Any) -> Any:
        return value.isoformat() if value is not None else None


class DateTimeType(FieldTypeImpl):
    """Stored in UTC without zone (portable across SQLite and PostgreSQL); JSON carries 'Z'."""

    type = FieldType.DATETIME
    json_schema: ClassVar[dict[str, Any]] = {"type": "string", "format": "date-time"}

    def sql_type(self, field: FieldDef) -> sa.types.TypeEngine[Any]:
        return sa.DateTime(timezone=False)

    def coerce(self, field: FieldDef, raw: Any) -> Any:
        if isinstance(raw, datetime):
            return to_utc_naive(raw)
        if isinstance(raw, str):
            text = raw.strip()
            if text == "":
                return None
            try:
                return to_utc_naive(datetime.fromisoformat(text.replace("Z", "+00:00")))
            except ValueError:
                pass
        raise Invalid("invalid_datetime")

    def to_json(self, field: FieldDef, value: Any) -> Any:
        return datetime_json(value)


def to_utc_naive(value: datetime) -> datetime:
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.replace(microsecond=(value.microsecond // 1000) * 1000)


def datetime_json(value: datetime | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):  # SQLite text that bypassed the type (raw SQL)
        value = datetime.fromisoformat(value)
    if value.tzinfo is not None:
        value = value.replace(tzinfo=None)
    return value.isoformat(timespec="milliseconds") + "Z"


class PicklistType(FieldTypeImpl):
    type = FieldType.PICKLIST
    operators = EQUALITY_OPS
    json_schema: ClassVar[dict[str, Any]] = {"type": "string"}

    def sql_type(self, field: FieldDef) -> sa.types.TypeEngine[Any]:
        return sa.String(64)

    def allowed(self, field: FieldDef) -> set[str]:
        return {o.value for o in field.options or ()}

    def coerce(self, field: FieldDef, raw: Any) -> Any:
        if raw == "":
            return None
        if not isinstance(raw, str) or raw not in self.allowed(field):
            raise Invalid("invalid_option", value=raw)
        return raw

    def coerce_filter_value(self, field: FieldDef, raw: Any) -> Any:
        # Filtering by a value that was removed from the list must still work.
        if not isinstance(raw, str):
            raise Invalid("invalid_option", value=raw)
        return raw

    def schema_for(self, field: FieldDef) -> dict[str, Any]:
        return {"type": "string", "enum": sorted(self.allowed(field))}


class MultiPicklistType(PicklistType):
    """Stored as a JSON array in text, `;`-free; `contains` matches one value."""

    type = FieldType.MULTI_PICKLIST
    operators = frozenset({"contains", "is_null"})
    sortable = False

    def sql_type(self, field: FieldDef) -> sa.types.TypeEngine[Any]:
        return sa.Text()

    def coerce(self, field: FieldDef, raw: Any) -> Any:
        if raw is None or raw == [] or raw == "":
            return None
        if isinstance(raw, str):
            raw = [part.strip() for part in raw.split(";") if part.strip()]
        if not isinstance(raw, list | tuple):
            raise Invalid("invalid_option", value=raw)
        allowed = self.allowed(field)
        chosen: list[str] = []
        for item in raw:
            if not isinstance(item, str) or item not in allowed:
                raise Invalid("invalid_option", value=item)
            if item not in chosen:
                chosen.append(item)
        order = [o.value for o in field.options or ()]
        return json.dumps(sorted(chosen, key=order.index), ensure_ascii=False)

    def coerce_filter_value(self, field: FieldDef, raw: Any) -> Any:
        if not isinstance(raw, str):
            raise Invalid("invalid_option", value=raw)
        return raw

    def to_json(self, field: FieldDef, value: Any) -> Any:
        return json.loads(value) if value else []

    def schema_for(self, field: FieldDef) -> dict[str, Any]:
        return {"type": "array", "items": {"type": "string", "enum": sorted(self.allowed(field))}}


class ReferenceType(FieldTypeImpl):
    """Lookup, master-detail and owner: a UUID of a record of `target`."""

    type = FieldType.LOOKUP
    operators = EQUALITY_OPS
    json_schema: ClassVar[dict[str, Any]] = {"type": "string", "format": "uuid"}

    def sql_type(self, field: FieldDef) -> sa.types.TypeEngine[Any]:
        return sa.Uuid(as_uuid=False)

    def coerce(self, field: FieldDef, raw: Any) -> Any:
        if raw == "":
            return None
        if not isinstance(raw, str) or not UUID_RE.match(raw):
            raise Invalid("invalid_reference", target=field.target or "")
        return raw.lower()


UUID_RE = re.compile(
    r"^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$"
)


class MasterDetailType(ReferenceType):
    type = FieldType.MASTER_DETAIL


class OwnerType(ReferenceType):
    type = FieldType.OWNER


class FormulaType(FieldTypeImpl):
    """No column: the expression is compiled to SQL in every SELECT, so it is never stale."""

    type = FieldType.FORMULA

    def columns(self, field: FieldDef) -> list[sa.Column[Any]]:
        return []

    def result_impl(self, field: FieldDef) -> FieldTypeImpl:
        return TYPES[field.return_type or FieldType.TEXT]

    def coerce(self, field: FieldDef, raw: Any) -> Any:
        raise Invalid("read_only")

    def coerce_filter_value(self, field: FieldDef, raw: Any) -> Any:
        impl = self.result_impl(field)
        if isinstance(impl, DecimalType):
            # A computed number keeps every digit it has (price * 0.9999 reads -5.4999945):
            # compare with the value as given, not rounded to the return type's scale.
            return exact_decimal(raw)
        return impl.coerce_filter_value(field, raw)

    def to_json(self, field: FieldDef, value: Any) -> Any:
        impl = self.result_impl(field)
        if value is None:
            return None
        if isinstance(impl, DateType) and isinstance(value, str):
            return value[:10]
        if isinstance(impl, DecimalType | IntegerType):
            return DecimalType().to_json(field, value)
        if isinstance(impl, BooleanType):
            return bool(value)
        return impl.to_json(field, value)

    def schema_for(self, field: FieldDef) -> dict[str, Any]:
        return {**self.result_impl(field).schema_for(field), "readOnly": True}


def exact_decimal(raw: Any) -> Decimal:
    """A number from a filter as written, unrounded."""
    if isinstance(raw, bool) or not isinstance(raw, str | int | float | Decimal):
        raise Invalid("invalid_number")
    try:
        value = Decimal(str(raw).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        raise Invalid("invalid_number") from None
    if not value.is_finite():
        raise Invalid("invalid_number")
    if value and value.adjusted() > 300:  # past what a double (SQLite's numbers) holds
        raise Invalid("number_too_large")
    return value


class RollupType(DecimalType):
    type = FieldType.ROLLUP
    default_scale = 2

    def coerce(self, field: FieldDef, raw: Any) -> Any:
        raise Invalid("read_only")

    def coerce_filter_value(self, field: FieldDef, raw: Any) -> Any:
        return DecimalType.coerce(self, field, raw)


class JsonType(FieldTypeImpl):
    """A JSON document stored as text: objects and lists in, the same structure out.

    Only null checks filter on it; the structure is the owning package's to interpret."""

    type = FieldType.JSON
    operators = frozenset({"is_null"})
    sortable = False
    max_bytes = 262144
    json_schema: ClassVar[dict[str, Any]] = {}

    def sql_type(self, field: FieldDef) -> sa.types.TypeEngine[Any]:
        return sa.Text()

    def coerce(self, field: FieldDef, raw: Any) -> Any:
        if raw is None:
            return None
        if not isinstance(raw, dict | list):
            raise Invalid("invalid_json")
        try:
            text = json.dumps(raw, ensure_ascii=False, sort_keys=True, allow_nan=False)
        except (TypeError, ValueError):
            raise Invalid("invalid_json") from None
        if len(text.encode("utf-8")) > self.max_bytes:
            raise Invalid("too_long", max=self.max_bytes)
        return text

    def to_json(self, field: FieldDef, value: Any) -> Any:
        if value is None or isinstance(value, dict | list):
            return value
        return json.loads(value)

    def coerce_filter_value(self, field: FieldDef, raw: Any) -> Any:
        raise Invalid("invalid_operator")


class IdType(ReferenceType):
    type = FieldType.ID
    operators = frozenset({"eq", "ne", "in", "lt", "lte", "gt", "gte"})


class VersionType(IntegerType):
    type = FieldType.VERSION


TYPES: Mapping[FieldType, FieldTypeImpl] = {
    impl.type: impl
    for impl in (
        TextType(),
        LongTextType(),
        EmailType(),
        PhoneType(),
        UrlType(),
        AutoNumberType(),
        IntegerType(),
        DecimalType(),
        PercentType(),
        CurrencyType(),
        BooleanType(),
        DateType(),
        DateTimeType(),
        PicklistType(),
        MultiPicklistType(),
        ReferenceType(),
        MasterDetailType(),
        OwnerType(),
        FormulaType(),
        RollupType(),
        JsonType(),
        IdType(),
        VersionType(),
    )
}


def impl_for(field: FieldDef) -> FieldTypeImpl:
    return TYPES[field.type]

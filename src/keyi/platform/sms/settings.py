"""Setup › SMS: which provider a tenant sends with, its keys, opt-out keywords and send rate.

One row per tenant (keyi_sms_config, id 1); a tenant without one sends with the ``log``
provider (nothing leaves the server). Only those who manage the configuration
(``can_manage_metadata``) read or change it.

**Secrets.** The key secret is write-only: stored encrypted with the installation's key
(`Platform.secret_box`), never returned (answers say ``has_secret``), never logged, and audited
by field name only. Omitting it on an update keeps it; ``null`` removes it. A provider built
from the settings decrypts it at send time, in memory only.

**Endpoints.** ``base_url`` overrides the vendor's endpoint (a regional one, or a stand-in in
tests) and passes the webhook SSRF guard (`webhooks.targets.check_url`, private addresses only
where the tenant or installation allows them, as for webhooks); the HTTP client is bound to the
checked addresses (`notify.transport.checked_client`).

**Inbound callbacks.** The vendors' reply pushes carry no signature of their own, so the
callback URL carries a per-tenant, per-provider token: an HMAC under the installation's key
(``SecretBox.mac``, purpose ``sms.inbound``). Nothing to store, the same on every server, and
another tenant's or provider's token never verifies.
"""

from __future__ import annotations

import base64
import hmac
from collections.abc import Callable
from typing import Any

import httpx
import sqlalchemy as sa

from keyi.platform.context import Context
from keyi.platform.crypto import SecretUnreadable
from keyi.platform.errors import FieldErrors, Forbidden, ValidationFailed
from keyi.platform.fieldtypes import datetime_json
from keyi.platform.i18n import MESSAGES
from keyi.platform.notify.transport import checked_client
from keyi.platform.sms import aliyun, tencent
from keyi.platform.sms.log import LogProvider
from keyi.platform.sms.provider import SmsProvider, SmsRequest, SmsResult, e164
from keyi.platform.sms.table import sms_config_table
from keyi.platform.webhooks.subscriptions import allow_private, secret_box
from keyi.platform.webhooks.targets import check_url

__all__ = [
    "DEFAULT_KEYWORDS",
    "DEFAULT_RATE",
    "PROVIDERS",
    "build_provider",
    "check_inbound_token",
    "get_settings",
    "inbound_token",
    "load_config",
    "opt_out_keywords",
    "prepare_test",
    "record_test",
    "update_settings",
]

PROVIDERS = ("log", "aliyun", "tencent")
DEFAULT_KEYWORDS = ("TD", "T", "退订", "STOP", "UNSUBSCRIBE")
DEFAULT_RATE = 600
MAX_RATE = 100_000
MAX_KEYWORDS = 20
SEND_TIMEOUT = 10.0
MAC_PURPOSE = "sms.inbound"
_FIELDS = {
    "provider",
    "base_url",
    "region",
    "access_key_id",
    "access_key_secret",
    "sdk_app_id",
    "sign_name",
    "opt_out_keywords",
    "rate_per_minute",
}
MESSAGES.update(
    {
        "sms_rate_out_of_range": {
            "en": "Must be a whole number from {min} to {max}.",
            "zh-CN": "必须是 {min} 到 {max} 之间的整数。",
        },
        "invalid_keywords": {
            "en": "Give 1 to {max} keywords of at most 20 characters each.",
            "zh-CN": "请填写 1 到 {max} 个关键词，每个不超过 20 个字符。",
        },
        "invalid_params": {
            "en": "Parameters are names with text values.",
            "zh-CN": "参数应为“变量名: 文本值”。",
        },
    }
)
_TEXT_LIMITS = {"region": 64, "access_key_id": 200, "sdk_app_id": 64, "sign_name": 100}


def _authorise(ctx: Context) -> None:
    if not ctx.policy.can_manage_metadata():
        raise Forbidden()


def load_config(ctx: Context) -> dict[str, Any]:
    """The stored settings (secret still encrypted), or the defaults of a tenant without any."""
    row = ctx.conn.execute(sa.select(sms_config_table).where(sms_config_table.c.id == 1)).first()
    if row is None:
        return {
            "provider": "log",
            "base_url": None,
            "region": None,
            "access_key_id": None,
            "access_key_secret": None,
            "sdk_app_id": None,
            "sign_name": None,
            "opt_out_keywords": None,
            "rate_per_minute": DEFAULT_RATE,
            "updated_at": None,
            "last_test_status": None,
            "last_test_error": None,
            "last_test_at": None,
        }
    return dict(row._mapping)


def opt_out_keywords(config: dict[str, Any]) -> tuple[str, ...]:
    keywords = config.get("opt_out_keywords")
    return tuple(keywords) if keywords else DEFAULT_KEYWORDS


def inbound_token(ctx: Context, provider: str) -> str:
    """The token of this tenant's inbound callback URL for ``provider``."""
    digest = secret_box(ctx).mac(MAC_PURPOSE, f"{ctx.tenant.id}\x00{provider}".encode())
    return base64.urlsafe_b64encode(digest[:18]).decode("ascii")


def check_inbound_token(ctx: Context, provider: str, token: str) -> bool:
    return hmac.compare_digest(inbound_token(ctx, provider).encode(), token.encode("utf-8"))


def get_settings(ctx: Context) -> dict[str, Any]:
    _authorise(ctx)
    return _settings_json(ctx, load_config(ctx))


def _settings_json(ctx: Context, config: dict[str, Any]) -> dict[str, Any]:
    return {
        "provider": config["provider"],
        "base_url": config["base_url"],
        "region": config["region"],
        "access_key_id": config["access_key_id"],
        "has_secret": bool(config["access_key_secret"]),
        "sdk_app_id": config["sdk_app_id"],
        "sign_name": config["sign_name"],
        "opt_out_keywords": list(opt_out_keywords(config)),
        "rate_per_minute": config["rate_per_minute"],
        "updated_at": datetime_json(config["updated_at"]),
        "last_test_status": config["last_test_status"],
        "last_test_error": config["last_test_error"],
        "last_test_at": datetime_json(config["last_test_at"]),
        "inbound_paths": _paths(ctx, "inbound"),
        "report_paths": _paths(ctx, "report"),
    }


def _paths(ctx: Context, kind: str) -> dict[str, str]:
    """The reply (``inbound``) or delivery ``report`` callback path per provider."""
    return {
        p: f"/api/v1/public/sms/{ctx.tenant.name}/{p}/{kind}?token={inbound_token(ctx, p)}"
        for p in ("aliyun", "tencent")
    }


def update_settings(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    """Change the settings given (others kept); every problem comes back at once as field
    errors and nothing is written then."""
    _authorise(ctx)
    errors = FieldErrors()
    for key in sorted(set(data) - _FIELDS):
        errors.add(key, "unknown_field")
    config = load_config(ctx)
    values: dict[str, Any] = {}
    if "provider" in data:
        if data["provider"] not in PROVIDERS:
            errors.add("provider", "invalid_choice", choices=", ".join(PROVIDERS))
        else:
            values["provider"] = data["provider"]
    for key, limit in _TEXT_LIMITS.items():
        if key in data:
            value = data[key]
            if value is not None and not isinstance(value, str):
                errors.add(key, "invalid_text")
            elif value is not None and len(value.strip()) > limit:
                errors.add(key, "too_long", max=limit)
            else:
                values[key] = (value or "").strip() or None
    if "base_url" in data:
        url = data["base_url"]
        if url in (None, ""):
            values["base_url"] = None
        elif not isinstance(url, str) or len(url) > 500:
            errors.add("base_url", "invalid_url")
        else:
            try:
                check_url(url, allow_private=allow_private(ctx))
                values["base_url"] = url
            except ValidationFailed as exc:
                for item in exc.errors:
                    errors.add("base_url", item.code, **item.params)
    if "access_key_secret" in data:
        secret = data["access_key_secret"]
        if secret is None:
            values["access_key_secret"] = None
        elif not isinstance(secret, str) or not secret.strip() or len(secret) > 500:
            errors.add("access_key_secret", "invalid_text")
        else:
            values["access_key_secret"] = secret_box(ctx).encrypt(secret.strip())
    if "opt_out_keywords" in data:
        keywords = data["opt_out_keywords"]
        if (
            not isinstance(keywords, list)
            or not 1 <= len(keywords) <= MAX_KEYWORDS
            or not all(isinstance(k, str) and 0 < len(k.strip()) <= 20 for k in keywords)
        ):
            errors.add("opt_out_keywords", "invalid_keywords", max=MAX_KEYWORDS)
        else:
            values["opt_out_keywords"] = list(dict.fromkeys(k.strip() for k in keywords))
    if "rate_per_minute" in data:
        rate = data["rate_per_minute"]
        if not isinstance(rate, int) or isinstance(rate, bool) or not 1 <= rate <= MAX_RATE:
            errors.add("rate_per_minute", "sms_rate_out_of_range", min=1, max=MAX_RATE)
        else:
            values["rate_per_minute"] = rate
    errors.raise_if_any()
    merged = {**config, **values}
    if merged["provider"] != "log":
        _require(merged, errors)
        errors.raise_if_any()
    now = ctx.now()
    values.update(updated_at=now, updated_by=ctx.actor.id)
    if config["updated_at"] is None:
        ctx.conn.execute(sa.insert(sms_config_table).values(id=1, **{**config, **values}))
    else:
        ctx.conn.execute(
            sa.update(sms_config_table).where(sms_config_table.c.id == 1).values(**values)
        )
    # Names only: the audit log never holds a key, even encrypted.
    ctx.audit("sms.settings", fields=sorted(set(data) & _FIELDS))
    return _settings_json(ctx, load_config(ctx))


def _require(config: dict[str, Any], errors: FieldErrors) -> None:
    # No sign name needed here: a template may carry its own (a send without one is refused).
    needed = ["access_key_id", "access_key_secret"]
    if config["provider"] == "tencent":
        needed.append("sdk_app_id")
    for key in needed:
        if not config.get(key):
            errors.add(key, "required")


def build_provider(
    ctx: Context,
    config: dict[str, Any] | None = None,
    *,
    client_factory: Callable[[str], httpx.Client] | None = None,
) -> SmsProvider:
    """The tenant's provider, its secret decrypted in memory. ``SecretUnreadable`` when the
    installation's key changed since the secret was saved."""
    config = config if config is not None else load_config(ctx)
    name = config["provider"]
    if name == "log" or name not in PROVIDERS:
        return LogProvider()
    secret = secret_box(ctx).decrypt(config["access_key_secret"] or "")
    default = aliyun.DEFAULT_BASE_URL if name == "aliyun" else tencent.DEFAULT_BASE_URL
    url = config["base_url"] or default
    client = (
        client_factory(url)
        if client_factory is not None
        else checked_client(url, allow_private=allow_private(ctx), timeout=SEND_TIMEOUT)
    )
    if name == "aliyun":
        return aliyun.AliyunSmsProvider(
            access_key_id=config["access_key_id"] or "",
            access_key_secret=secret,
            client=client,
            base_url=url,
            region=config["region"] or "cn-hangzhou",
        )
    return tencent.TencentSmsProvider(
        secret_id=config["access_key_id"] or "",
        secret_key=secret,
        sdk_app_id=config["sdk_app_id"] or "",
        client=client,
        base_url=url,
        region=config["region"] or "ap-guangzhou",
    )


def prepare_test(ctx: Context, data: dict[str, Any]) -> tuple[SmsProvider | SmsResult, SmsRequest]:
    """Check a test send (``phone``, ``template_code``, ``params``, optional ``sign_name``)
    and build the provider for it — or the result that says why none can be built. The caller
    sends outside any transaction (no write waits on the vendor), then :func:`record_test`."""
    _authorise(ctx)
    errors = FieldErrors()
    phone = e164(data.get("phone") if isinstance(data.get("phone"), str) else None)
    if phone is None:
        errors.add("phone", "invalid_phone")
    code = data.get("template_code")
    if not isinstance(code, str) or not 0 < len(code.strip()) <= 100:
        errors.add("template_code", "required")
    params = data.get("params") or {}
    if not isinstance(params, dict) or not all(
        isinstance(k, str) and isinstance(v, str | int | float) for k, v in params.items()
    ):
        errors.add("params", "invalid_params")
    config = load_config(ctx)
    sign = data.get("sign_name") or config["sign_name"] or ""
    if not isinstance(sign, str):
        errors.add("sign_name", "invalid_text")
    errors.raise_if_any()
    request = SmsRequest(
        phone_numbers=(str(phone),),
        sign_name=str(sign),
        template_code=str(code).strip(),
        params={k: str(v) for k, v in params.items()},
    )
    try:
        return build_provider(ctx, config), request
    except SecretUnreadable:
        return SmsResult(ok=False, error_code="secret_unreadable"), request
    except ValidationFailed as exc:
        code = exc.errors[0].code if exc.errors else "invalid_url"
        return SmsResult(ok=False, error_code=code), request


def record_test(ctx: Context, result: SmsResult) -> dict[str, Any]:
    """Keep a test's outcome as the settings' last test; the answer to the test request."""
    _authorise(ctx)
    config = load_config(ctx)
    if config["updated_at"] is not None:
        ctx.conn.execute(
            sa.update(sms_config_table)
            .where(sms_config_table.c.id == 1)
            .values(
                last_test_status=result.status,
                last_test_error=_error_text(result),
                last_test_at=ctx.now(),
            )
        )
    return {
        "ok": result.ok,
        "provider": config["provider"],
        "message_id": result.message_id,
        "error_code": result.error_code,
        "error_message": result.error_message,
    }


def _error_text(result: SmsResult) -> str | None:
    if result.ok:
        return None
    text = result.error_code or "failed"
    if result.error_message:
        text = f"{text}: {result.error_message}"
    return text[:500]

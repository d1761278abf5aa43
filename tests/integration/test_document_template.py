"""Setup › Document template: defaults, changes by administrators (audited), refusals for
everyone else, and the logo checked as a real PNG/JPEG within the size limit, with every bad
field answered at once and nothing saved."""

from __future__ import annotations

import base64
import io
from typing import Any

import sqlalchemy as sa
from fastapi.testclient import TestClient
from PIL import Image

from keyi.platform.audit import audit_table
from keyi.platform.context import TenantInfo
from keyi.platform.documents import template
from keyi.platform.tenancy import Platform
from keyi.provisioning import add_user
from tests.conftest import ADMIN_PASSWORD, login

API = "/api/v1/document-template"


def image_bytes(kind: str = "PNG", size: tuple[int, int] = (120, 40)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, kind)
    return buffer.getvalue()


def _fields(answer: Any) -> dict[str, str]:
    return {e["field"]: e["code"] for e in answer.json()["errors"]}


def _audited(platform: Platform, tenant: TenantInfo) -> list[dict[str, Any]]:
    with platform.db.tenant_transaction(tenant.location, write=False) as conn:
        rows = conn.execute(
            sa.select(audit_table.c.details)
            .where(audit_table.c.action == "document_template.update")
            .order_by(audit_table.c.at)
        ).all()
    return [dict(row.details) for row in rows]


def test_administrators_change_the_template_and_each_change_is_audited(
    platform: Platform, tenant: TenantInfo, client: TestClient
) -> None:
    before = client.get(API)
    assert before.status_code == 200, before.text
    assert before.json()["has_logo"] is False
    assert before.json()["accent_color"] == "#1677FF"

    logo = image_bytes("PNG")
    answer = client.put(
        API,
        json={
            "company_name": "上海客易软件有限公司",
            "address": "上海市浦东新区张江路 88 号",
            "tax_id": "91310000MA1K000000",
            "accent_color": "#c41d7f",
            "footer_text": {"zh-CN": "感谢惠顾", "en": "Thank you"},
            "terms_text": {"zh-CN": "报价有效期 30 天。"},
            "logo": base64.b64encode(logo).decode(),
        },
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["company_name"] == "上海客易软件有限公司"
    assert body["accent_color"] == "#C41D7F"
    assert body["footer_text"] == {"zh-CN": "感谢惠顾", "en": "Thank you"}
    assert body["terms_text"] == {"zh-CN": "报价有效期 30 天。", "en": ""}
    assert body["has_logo"] is True and body["logo_media_type"] == "image/png"
    served = client.get(f"{API}/logo")
    assert served.status_code == 200
    assert served.headers["content-type"] == "image/png" and served.content == logo
    assert _audited(platform, tenant)[-1]["fields"] == sorted(
        ["company_name", "address", "tax_id", "accent_color", "footer_text", "terms_text", "logo"]
    )

    # Multipart upload replaces the logo; null removes it; an unchanged value is not audited.
    jpeg = image_bytes("JPEG")
    uploaded = client.put(f"{API}/logo", files={"file": ("logo.jpg", jpeg, "image/jpeg")})
    assert uploaded.status_code == 200, uploaded.text
    assert uploaded.json()["logo_media_type"] == "image/jpeg"
    assert client.get(f"{API}/logo").content == jpeg
    removed = client.put(API, json={"logo": None, "company_name": "上海客易软件有限公司"})
    assert removed.status_code == 200 and removed.json()["has_logo"] is False
    assert client.get(f"{API}/logo").status_code == 404
    assert [d["fields"] for d in _audited(platform, tenant)[-2:]] == [["logo"], ["logo"]]


def test_bad_values_are_field_errors_and_nothing_is_saved(client: TestClient) -> None:
    assert client.put(API, json={"company_name": "原名"}).status_code == 200
    not_an_image = base64.b64encode(b"GIF89a not really an image").decode()
    answer = client.put(
        API,
        json={
            "company_name": "新名",
            "accent_color": "blue",
            "phone": "x" * 101,
            "footer_text": {"fr": "merci"},
            "logo": not_an_image,
            "colour": "#000000",
        },
    )
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert _fields(answer) == {
        "accent_color": "invalid_color",
        "phone": "too_long",
        "footer_text.fr": "unknown_field",
        "logo": "logo_invalid",
        "colour": "unknown_field",
    }
    assert client.get(API).json()["company_name"] == "原名"

    # A GIF, a truncated PNG, too many pixels, not base64, too many bytes: all refused.
    gif = image_bytes("GIF")
    truncated = image_bytes("PNG", (400, 400))[:200]
    huge = image_bytes("PNG", (template.MAX_LOGO_PIXELS + 1, 10))
    for content in (gif, truncated, huge):
        answer = client.put(API, json={"logo": base64.b64encode(content).decode()})
        assert _fields(answer) == {"logo": "logo_invalid"}, answer.text
    assert _fields(client.put(API, json={"logo": "%%%"})) == {"logo": "logo_invalid"}
    big = b"\x89PNG" + b"\0" * template.MAX_LOGO_BYTES
    answer = client.put(f"{API}/logo", files={"file": ("logo.png", big, "image/png")})
    assert answer.status_code == 422 and _fields(answer) == {"logo": "logo_too_large"}
    answer = client.put(f"{API}/logo", files={"file": ("logo.gif", gif, "image/gif")})
    assert _fields(answer) == {"logo": "logo_invalid"}
    assert client.get(API).json()["has_logo"] is False


def test_only_administrators_change_the_template(
    app: Any, platform: Platform, tenant: TenantInfo, client: TestClient
) -> None:
    add_user(platform, tenant, email="rep@docs.example", name="Rep", password=ADMIN_PASSWORD)
    with TestClient(app) as rep:
        login(rep, "rep@docs.example", tenant=tenant.name)
        assert rep.get(API).status_code == 200  # printed on every document they open
        assert rep.put(API, json={"company_name": "x"}).status_code == 403
        answer = rep.put(f"{API}/logo", files={"file": ("l.png", image_bytes(), "image/png")})
        assert answer.status_code == 403
    assert client.get(API).json()["company_name"] != "x"
    assert _audited(platform, tenant) == []

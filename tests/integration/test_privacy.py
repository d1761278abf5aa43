"""Personal data of a contact (PIPL/GDPR): an administrator exports everything held about the
person, and erases it — from the record, its history, the search index, the deliveries and
SMS messages addressed to it and its files — while the record and its links stay."""

from __future__ import annotations

import io
import json
import uuid
import zipfile
from typing import Any

import sqlalchemy as sa
from fastapi.testclient import TestClient

from keyi.platform.context import TenantInfo
from keyi.platform.deliveries import delivery_table
from keyi.platform.ids import new_id
from keyi.platform.mailboxes.files import file_table, store_file
from keyi.platform.notifications.table import notification_table
from keyi.platform.permissions import Actor
from keyi.platform.schema import history_table
from keyi.platform.sms.table import sms_message_table
from keyi.platform.tenancy import Platform
from tests.conftest import admin_email_of, login
from tests.integration.helpers import add_member, rights

SYSTEM = Actor.system("privacy-test")
NAME = "韩梅梅隐私"
OLD_EMAIL = "meimei.old@pipl.imp.example"
EMAIL = "meimei@pipl.imp.example"
MOBILE = "+8613800138000"
ERASED = {"已删除的个人信息", "Erased person"}


def seed_person(client: TestClient, platform: Platform, tenant: TenantInfo) -> dict[str, Any]:
    """A contact with history (an email changed), an activity, a delivery, an SMS and a file."""
    created = client.post(
        "/api/v1/records/contact",
        json={
            "name": NAME,
            "email": OLD_EMAIL,
            "mobile": MOBILE,
            "wechat": "meimei_wx",
            "birthday": "1990-05-04",
            "gender": "female",
            "consent": "granted",
        },
    )
    assert created.status_code == 201, created.text
    person = created.json()
    changed = client.patch(f"/api/v1/records/contact/{person['id']}", json={"email": EMAIL})
    assert changed.status_code == 200, changed.text
    activity = client.post(
        "/api/v1/records/activity",
        json={"subject": "回访韩梅梅", "contact": person["id"]},
    )
    assert activity.status_code == 201, activity.text
    with platform.context(tenant, SYSTEM) as ctx:
        now = ctx.now()
        ctx.conn.execute(
            sa.insert(delivery_table).values(
                channel="email",
                source_object="email_campaign",
                source_id=new_id(),
                recipient_object="contact",
                recipient_id=person["id"],
                address=EMAIL,
                status="sent",
                attempts=1,
                next_attempt_at=now,
                created_at=now,
                sent_at=now,
            )
        )
        ctx.conn.execute(
            sa.insert(sms_message_table).values(
                id=new_id(),
                source="record",
                object="contact",
                record_id=person["id"],
                phone=MOBILE,
                text=f"{NAME}您好",
                status="sent",
                attempts=1,
                created_at=now,
            )
        )
        ctx.conn.execute(
            sa.insert(notification_table).values(
                id=new_id(),
                user_id=new_id(),
                title=f"联系人已分配：{NAME}",
                body=f"请尽快联系 {NAME}（{EMAIL}）",
                link_object="contact",
                link_record_id=person["id"],
                source="flow",
                created_at=now,
            )
        )
        store_file(
            ctx.conn,
            object_name="contact",
            record_id=person["id"],
            filename="名片.txt",
            content_type="text/plain",
            content=f"{NAME} {EMAIL}".encode(),
            now=now,
        )
    return {"person": person, "activity": activity.json()}


def test_export_holds_the_record_history_related_records_and_files(
    client: TestClient, platform: Platform, tenant: TenantInfo
) -> None:
    seeded = seed_person(client, platform, tenant)
    person_id = seeded["person"]["id"]
    response = client.get(f"/api/v1/privacy/contact/{person_id}/export")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    document = json.loads(archive.read("person.json"))
    assert document["record"]["name"] == NAME and document["record"]["email"] == EMAIL
    assert document["record"]["consent"] == "granted"
    history_values = [c["old"] for e in document["history"] for c in e["changes"]]
    assert OLD_EMAIL in history_values
    related = {g["object"]: g for g in document["related"]}
    assert [r["id"] for r in related["activity"]["records"]] == [seeded["activity"]["id"]]
    assert [d["address"] for d in document["email_deliveries"]] == [EMAIL]
    assert [m["phone"] for m in document["sms_messages"]] == [MOBILE]
    assert [n["title"] for n in document["notifications"]] == [f"联系人已分配：{NAME}"]
    [entry] = document["files"]
    assert archive.read(entry["path"]).decode() == f"{NAME} {EMAIL}"
    audit = client.get("/api/v1/audit", params={"action": "privacy.export"}).json()["entries"]
    assert [e["record_id"] for e in audit] == [person_id]


def test_erase_leaves_no_trace_and_keeps_the_links(
    client: TestClient, platform: Platform, tenant: TenantInfo
) -> None:
    seeded = seed_person(client, platform, tenant)
    person_id = seeded["person"]["id"]
    # Findable before: the test would prove nothing if the search never found the name.
    hits = client.get("/api/v1/search", params={"q": NAME}).json()["hits"]
    assert person_id in [h["id"] for h in hits]

    response = client.post(
        f"/api/v1/privacy/contact/{person_id}/erase", json={"reason": "本人书面申请删除"}
    )
    assert response.status_code == 200, response.text
    result = response.json()
    assert {"name", "email", "mobile", "wechat", "birthday", "gender"} <= set(
        result["erased_fields"]
    )
    assert (result["deliveries"], result["sms_messages"], result["files"]) == (1, 1, 1)
    assert result["already_erased"] is False

    record = client.get(f"/api/v1/records/contact/{person_id}").json()
    assert record["name"] in ERASED
    assert all(record.get(f) is None for f in ("email", "mobile", "wechat", "birthday", "gender"))
    assert record["email_opt_out"] is True and record["sms_opt_out"] is True
    assert record["consent"] == "granted"  # the evidence of consent stays
    # The activity still points at the (anonymised) contact.
    activity = client.get(f"/api/v1/records/activity/{seeded['activity']['id']}").json()
    assert activity["contact"] == person_id

    secrets = (NAME, OLD_EMAIL, EMAIL, MOBILE, "meimei_wx", "1990-05-04")
    history = client.get(f"/api/v1/records/contact/{person_id}/history").json()["entries"]
    assert history[0]["operation"] == "erase"
    with platform.context(tenant, SYSTEM) as ctx:
        stored_history = ctx.conn.execute(
            sa.select(sa.cast(history_table.c.changes, sa.Text)).where(
                history_table.c.record_id == person_id
            )
        ).scalars()
        stored = " ".join(stored_history)
        addresses = ctx.conn.execute(
            sa.select(delivery_table.c.address).where(delivery_table.c.recipient_id == person_id)
        ).scalars()
        sms = ctx.conn.execute(
            sa.select(sms_message_table.c.phone, sms_message_table.c.text).where(
                sms_message_table.c.record_id == person_id
            )
        ).all()
        files = ctx.conn.execute(
            sa.select(sa.func.count()).where(file_table.c.record_id == person_id)
        ).scalar()
        notices = ctx.conn.execute(
            sa.select(notification_table.c.title, notification_table.c.body).where(
                notification_table.c.link_record_id == person_id
            )
        ).all()
        audit_details = ctx.conn.execute(
            sa.text("SELECT details FROM keyi_audit WHERE action = 'privacy.erase'")
        ).scalars()
        audit_text = " ".join(str(d) for d in audit_details)
    for secret in secrets:
        assert secret not in stored, secret
        assert secret not in json.dumps(history, ensure_ascii=False), secret
        assert secret not in audit_text, secret
        assert secret not in repr(notices), secret
    assert all(a.startswith("erased-") for a in addresses)
    assert sms == [(None, None)]
    assert files == 0
    [(title, _)] = notices
    assert title.startswith("联系人已分配：") and title.removeprefix("联系人已分配：") in ERASED
    assert "本人书面申请删除" in audit_text  # why, but not what
    for query in (NAME, OLD_EMAIL, EMAIL, "meimei_wx"):
        hits = client.get("/api/v1/search", params={"q": query}).json()["hits"]
        assert person_id not in [h["id"] for h in hits], query

    # Erasing again changes nothing and is not an error; it is not in the recycle bin.
    again = client.post(f"/api/v1/privacy/contact/{person_id}/erase", json={"reason": "重复"})
    assert again.status_code == 200, again.text
    assert again.json()["already_erased"] is True and again.json()["erased_fields"] == []
    deleted = client.get("/api/v1/records/contact", params={"deleted": "true"}).json()
    assert person_id not in [r["id"] for r in deleted["records"]]


def test_only_administrators_and_only_people_of_this_tenant(
    client: TestClient, platform: Platform, tenant: TenantInfo
) -> None:
    seeded = seed_person(client, platform, tenant)
    person_id = seeded["person"]["id"]
    admin = admin_email_of(platform, tenant)
    rep_email = "rep@pipl.imp.example"
    add_member(platform, tenant, rep_email, {"contact": rights("all", delete=True)}, name="代表")
    login(client, rep_email)
    assert client.get(f"/api/v1/privacy/contact/{person_id}/export").status_code == 403
    refused = client.post(f"/api/v1/privacy/contact/{person_id}/erase", json={"reason": "x"})
    assert refused.status_code == 403
    login(client, admin)
    assert client.get(f"/api/v1/records/contact/{person_id}").json()["name"] == NAME
    # Unknown ids, ids that are no UUID, objects that hold no people: not found.
    other = str(uuid.uuid4())
    assert client.get(f"/api/v1/privacy/contact/{other}/export").status_code == 404
    assert (
        client.post(f"/api/v1/privacy/contact/{other}/erase", json={"reason": "x"}).status_code
        == 404
    )
    assert client.get("/api/v1/privacy/contact/nope/export").status_code == 404
    account = client.post("/api/v1/records/account", json={"name": "隐私客户"}).json()
    assert client.get(f"/api/v1/privacy/account/{account['id']}/export").status_code == 404
    # A reason is required.
    empty = client.post(f"/api/v1/privacy/contact/{person_id}/erase", json={"reason": "  "})
    assert empty.status_code == 422


def test_a_contact_of_another_tenant_is_not_found(
    client: TestClient, platform: Platform, tenant: TenantInfo
) -> None:
    from keyi.provisioning import create_tenant
    from tests.conftest import ADMIN_PASSWORD, new_tenant_name

    other = create_tenant(
        platform,
        new_tenant_name(),
        admin_email=f"{uuid.uuid4().hex[:8]}@other.pipl.imp.example",
        admin_password=ADMIN_PASSWORD,
        admin_name="别家管理员",
        packages=("core", "sales"),
    )
    try:
        from keyi.platform.records import RecordsService

        with platform.context(other, SYSTEM) as ctx:
            theirs = RecordsService(ctx).create("contact", {"name": NAME, "email": EMAIL})
        export = client.get(f"/api/v1/privacy/contact/{theirs['id']}/export")
        assert export.status_code == 404
        erase = client.post(f"/api/v1/privacy/contact/{theirs['id']}/erase", json={"reason": "x"})
        assert erase.status_code == 404
        with platform.context(other, SYSTEM) as ctx:
            assert RecordsService(ctx).get("contact", theirs["id"])["email"] == EMAIL
    finally:
        platform.drop_tenant(other.name)

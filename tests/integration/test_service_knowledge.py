"""Knowledge base over HTTP: sanitised rich text, versions (draft → published → archived, new
versions keep the article's number), search of published articles only, suggestions for a case
from its subject in Chinese, attaching articles to cases, access."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from keyi.packages.service import knowledge
from keyi.platform.context import TenantInfo
from keyi.platform.permissions import Actor
from keyi.platform.schema import history_table
from keyi.platform.tenancy import Platform
from tests.conftest import ADMIN_PASSWORD, login
from tests.integration.helpers import add_member
from tests.integration.l2c_helpers import act, conflict, get, make, ok, patch, refused
from tests.integration.test_write_races import Background, admin_actor, wait_until_blocked_by

pytestmark = pytest.mark.packages("core", "sales", "l2c", "service")
KB = "knowledge_article"
SEARCH = "/api/v1/service/knowledge/search"


def article(client: TestClient, title: str, body: str = "<p>正文</p>", **values: Any) -> dict:
    return make(client, KB, title=title, body=body, **values)


def published(client: TestClient, title: str, body: str = "<p>正文</p>", **values: Any) -> dict:
    made = article(client, title, body, **values)
    assert ok(act(client, KB, made["id"], "publish")) == {"status": "published"}
    return get(client, KB, made["id"])


def search(client: TestClient, **params: Any) -> list[dict[str, Any]]:
    return list(ok(client.get(SEARCH, params=params))["results"])


def titles(results: list[dict[str, Any]]) -> list[str]:
    return [r["title"] for r in results]


def versions_of(client: TestClient, article_no: str) -> list[dict[str, Any]]:
    body = {
        "filter": {"field": "article_no", "op": "eq", "value": article_no},
        "sort": [{"field": "version_number", "direction": "asc"}],
    }
    return list(ok(client.post(f"/api/v1/records/{KB}/query", json=body))["records"])


# ------------------------------------------------------------------ sanitising
def test_body_is_sanitised_and_its_text_derived(client: TestClient) -> None:
    dirty = (
        '<h2>步骤</h2><p onclick="steal()">先重启<script>alert(1)</script>打印机</p>'
        '<img src="x.png" onerror="alert(2)"><a href="javascript:alert(3)">链接</a>'
        '<a href="https://example.com/doc">文档</a><iframe src="https://evil"></iframe>'
    )
    made = article(client, "打印机重启", dirty)
    body = made["body"]
    for bad in ("<script", "alert(1)", "onclick", "onerror", "javascript:", "<iframe"):
        assert bad not in body, body
    assert "<h2>步骤</h2>" in body
    assert 'href="https://example.com/doc"' in body
    assert '<img src="x.png">' in body
    assert made["body_text"] == "步骤 先重启打印机 链接文档"
    # Updating the body (a draft) sanitises again.
    again = ok(patch(client, KB, made["id"], body='<p>新<svg onload="x()"></svg>正文</p>'))
    assert again["body"] == "<p>新正文</p>"
    assert again["body_text"] == "新正文"
    # The derived text is not for callers to set.
    refused(patch(client, KB, made["id"], body_text="x"), "body_text")


# ------------------------------------------------------------------ versions
def test_versions_keep_the_number_and_publishing_archives_the_previous(
    client: TestClient,
) -> None:
    v1 = article(client, "打印机连接故障排查", "<p>第一版</p>")
    assert v1["status"] == "draft" and v1["version_number"] == 1
    refused(patch(client, KB, v1["id"], status="published"), "status")
    # A draft is edited in place; it cannot be archived or copied before it is published.
    ok(patch(client, KB, v1["id"], summary="检查网线与驱动"))
    conflict(act(client, KB, v1["id"], "archive"), "invalid_status")
    conflict(act(client, KB, v1["id"], "new_version"), "invalid_status")

    assert ok(act(client, KB, v1["id"], "publish")) == {"status": "published"}
    v1 = get(client, KB, v1["id"])
    assert v1["published_at"] is not None and v1["published_by"] is not None
    conflict(act(client, KB, v1["id"], "publish"), "invalid_status")
    # Published content is never edited in place.
    errors = refused(patch(client, KB, v1["id"], title="改标题", body="<p>x</p>"), "title", "body")
    assert {e["code"] for e in errors} == {"article_not_editable"}

    v2_id = ok(act(client, KB, v1["id"], "new_version"))["article_id"]
    v2 = get(client, KB, v2_id)
    assert v2["status"] == "draft" and v2["version_number"] == 2
    assert v2["article_no"] == v1["article_no"]
    assert v2["title"] == v1["title"] and v2["summary"] == "检查网线与驱动"
    assert v2["previous_version"] == v1["id"]
    # One draft at a time per article.
    conflict(act(client, KB, v1["id"], "new_version"), "draft_exists")
    ok(patch(client, KB, v2_id, body="<p>第二版</p>"))

    assert ok(act(client, KB, v2_id, "publish")) == {"status": "published"}
    assert get(client, KB, v1["id"])["status"] == "archived"
    assert [(v["version_number"], v["status"]) for v in versions_of(client, v1["article_no"])] == [
        (1, "archived"),
        (2, "published"),
    ]
    # Snapshots of both publications, readable as history.
    snaps = ok(
        client.post(
            "/api/v1/records/knowledge_article_version/query",
            json={
                "filter": {"field": "article_no", "op": "eq", "value": v1["article_no"]},
                "sort": [{"field": "version_number", "direction": "asc"}],
            },
        )
    )["records"]
    assert [(s["version_number"], s["body"]) for s in snaps] == [
        (1, "<p>第一版</p>"),
        (2, "<p>第二版</p>"),
    ]
    # Restoring the archived version publishes it again and archives the current one.
    assert ok(act(client, KB, v1["id"], "republish")) == {"status": "published"}
    assert get(client, KB, v2_id)["status"] == "archived"
    assert ok(act(client, KB, v1["id"], "archive")) == {"status": "archived"}
    assert [v["status"] for v in versions_of(client, v1["article_no"])] == ["archived", "archived"]


# ------------------------------------------------------------------ search
def test_only_published_articles_are_searched(client: TestClient) -> None:
    live = published(client, "打印机连接故障排查", "<p>检查网线</p>", visibility="public")
    article(client, "打印机驱动安装草稿", "<p>草稿</p>")
    assert titles(search(client, q="打印机")) == ["打印机连接故障排查"]
    hit = search(client, q="网线")[0]
    assert hit["article_no"] == live["article_no"] and "网线" in hit["snippet"]
    # Global search follows the object's search criteria: no drafts there either.
    found = ok(client.get("/api/v1/search", params={"q": "打印机"}))
    assert [h["title"] for h in found["hits"] if h["object"] == KB] == ["打印机连接故障排查"]
    # A list view's quick search still finds drafts for the people who work on them.
    listed = ok(client.get(f"/api/v1/records/{KB}", params={"q": "打印机"}))["records"]
    assert sorted(r["title"] for r in listed) == ["打印机连接故障排查", "打印机驱动安装草稿"]
    # Archived: out of search.
    ok(act(client, KB, live["id"], "archive"))
    assert search(client, q="打印机") == []


def test_search_filters_by_category_tree_and_visibility(client: TestClient) -> None:
    hardware = make(client, "knowledge_category", name="硬件")
    printers = make(client, "knowledge_category", name="打印机", parent=hardware["id"])
    software = make(client, "knowledge_category", name="软件")
    published(client, "打印机卡纸处理", category=printers["id"], visibility="public")
    published(client, "打印驱动安装", category=software["id"])
    assert sorted(titles(search(client, q="打印"))) == ["打印机卡纸处理", "打印驱动安装"]
    assert titles(search(client, q="打印", category=hardware["id"])) == ["打印机卡纸处理"]
    assert titles(search(client, q="打印", visibility="internal")) == ["打印驱动安装"]
    # Browsing (no words): newest published first.
    assert titles(search(client, category=hardware["id"])) == ["打印机卡纸处理"]
    bad = client.get(SEARCH, params={"visibility": "secret"})
    assert bad.status_code == 422, bad.text


# ------------------------------------------------------------------ suggestions and links
def test_case_subject_suggests_articles_and_attaching_removes_them(client: TestClient) -> None:
    fix = published(client, "打印机连接故障排查", "<p>检查网线、IP 地址和驱动。</p>")
    published(client, "发票开具流程", "<p>财务部门开票。</p>")
    published(client, "无线网络连接设置", "<p>连接公司 Wi-Fi。</p>")
    article(client, "打印机无法连接（草稿）")
    case = make(client, "case", subject="打印机无法连接", description="办公室打印机突然连不上")
    url = f"/api/v1/service/cases/{case['id']}/suggested_articles"
    suggested = ok(client.get(url))
    names = titles(suggested["results"])
    assert names[0] == "打印机连接故障排查", names
    assert "发票开具流程" not in names
    assert "打印机无法连接（草稿）" not in names
    assert "打印" in suggested["terms"]

    link = make(client, "case_article", case=case["id"], article=fix["id"])
    assert link["title"] == "打印机连接故障排查"
    assert link["attached_by"] is not None and link["attached_at"] is not None
    assert "打印机连接故障排查" not in titles(ok(client.get(url))["results"])
    errors = refused(
        client.post(
            "/api/v1/records/case_article", json={"case": case["id"], "article": fix["id"]}
        ),
        "article",
    )
    assert errors[0]["code"] == "already_attached"
    draft = article(client, "草稿文章")
    errors = refused(
        client.post(
            "/api/v1/records/case_article", json={"case": case["id"], "article": draft["id"]}
        ),
        "article",
    )
    assert errors[0]["code"] == "article_not_published"
    # Detaching is deleting the link: the article is suggested again.
    assert client.delete(f"/api/v1/records/case_article/{link['id']}").status_code == 204
    assert titles(ok(client.get(url))["results"])[0] == "打印机连接故障排查"


def test_suggestions_for_an_unknown_case_are_404(client: TestClient) -> None:
    missing = client.get(
        "/api/v1/service/cases/0190d5a8-0000-7000-8000-000000000000/suggested_articles"
    )
    assert missing.status_code == 404, missing.text


def test_readers_count_helpful_answers_on_published_articles(client: TestClient) -> None:
    live = published(client, "重置密码", "<p>在登录页点忘记密码。</p>")
    url = f"/api/v1/records/{KB}/{live['id']}/feedback"
    assert ok(client.post(url, json={"helpful": True})) == {
        "helpful_count": 1,
        "not_helpful_count": 0,
    }
    ok(client.post(url, json={"helpful": True}))
    assert ok(client.post(url, json={"helpful": False})) == {
        "helpful_count": 2,
        "not_helpful_count": 1,
    }
    refused(client.post(url, json={"helpful": "yes"}), "helpful")
    refused(patch(client, KB, live["id"], helpful_count=100), "helpful_count")
    draft = article(client, "草稿")
    conflict(
        client.post(f"/api/v1/records/{KB}/{draft['id']}/feedback", json={"helpful": True}),
        "invalid_status",
    )


# ------------------------------------------------------------------ access
def test_readers_search_and_answer_but_only_editors_publish(
    client: TestClient, platform: Platform, tenant: TenantInfo
) -> None:
    live = published(client, "打印机连接故障排查", "<p>检查网线</p>")
    draft = article(client, "打印机草稿")
    case = make(client, "case", subject="打印机无法连接")
    add_member(
        platform,
        tenant,
        "reader@example.com",
        {"knowledge_article": {"read": True}, "case": {"read": True}},
    )
    add_member(
        platform,
        tenant,
        "outsider@example.com",
        {"account": {"read": True}},
        name="韩梅",
        role="外人",
    )
    login(client, "reader@example.com", ADMIN_PASSWORD, tenant.name)
    assert titles(search(client, q="打印机")) == ["打印机连接故障排查"]
    suggested = f"/api/v1/service/cases/{case['id']}/suggested_articles"
    assert titles(ok(client.get(suggested))["results"]) == ["打印机连接故障排查"]
    ok(client.post(f"/api/v1/records/{KB}/{live['id']}/feedback", json={"helpful": True}))
    for action in ("publish", "new_version", "archive"):
        target = draft if action == "publish" else live
        assert act(client, KB, target["id"], action).status_code == 403, action
    assert patch(client, KB, draft["id"], title="改").status_code == 403

    login(client, "outsider@example.com", ADMIN_PASSWORD, tenant.name)
    assert search(client, q="打印机") == []  # no read access to articles: nothing found
    assert client.get(suggested).status_code == 404  # nor to the case


# ------------------------------------------------------------------ concurrency
def test_concurrent_publishes_leave_one_published_version(
    client: TestClient, platform: Platform, tenant: TenantInfo
) -> None:
    """Publishing v2 and republishing v1 at once: the second waits for the first (the article's
    rows are locked on PostgreSQL; SQLite serialises writers) and archives what it published.
    Without the lock both read "nothing published" and both publish."""
    v1 = published(client, "路由器重启步骤", "<p>第一版</p>")
    v2_id = ok(act(client, KB, v1["id"], "new_version"))["article_id"]
    ok(act(client, KB, v1["id"], "archive"))
    with platform.context(tenant, admin_actor(client)) as ctx:
        knowledge.publish(ctx, v2_id)
        pending = Background(lambda: act(client, KB, v1["id"], "republish"))
        wait_until_blocked_by(ctx)
    assert ok(pending.result()) == {"status": "published"}
    assert [(v["version_number"], v["status"]) for v in versions_of(client, v1["article_no"])] == [
        (1, "published"),
        (2, "archived"),
    ]


def test_the_same_draft_published_twice_at_once_is_published_once(
    client: TestClient, platform: Platform, tenant: TenantInfo
) -> None:
    draft = article(client, "蓝屏处理", "<p>正文</p>")
    with platform.context(tenant, admin_actor(client)) as ctx:
        knowledge.publish(ctx, draft["id"])
        pending = Background(lambda: act(client, KB, draft["id"], "publish"))
        wait_until_blocked_by(ctx)
    conflict(pending.result(), "invalid_status")
    snaps = ok(
        client.post(
            "/api/v1/records/knowledge_article_version/query",
            json={"filter": {"field": "article", "op": "eq", "value": draft["id"]}},
        )
    )["records"]
    assert len(snaps) == 1


def test_two_new_versions_at_once_make_one_draft(
    client: TestClient, platform: Platform, tenant: TenantInfo
) -> None:
    live = published(client, "邮箱收不到邮件", "<p>正文</p>")
    with platform.context(tenant, admin_actor(client)) as ctx:
        knowledge.new_version(ctx, live["id"])
        pending = Background(lambda: act(client, KB, live["id"], "new_version"))
        wait_until_blocked_by(ctx)
    conflict(pending.result(), "draft_exists")
    statuses = [v["status"] for v in versions_of(client, live["article_no"])]
    assert statuses == ["published", "draft"]


# ------------------------------------------------------------------ views
def _history_count(platform: Platform, tenant: TenantInfo, record_id: str) -> int:
    with platform.context(tenant, Actor.system("test"), write=False) as ctx:
        return int(
            ctx.conn.execute(
                sa.select(sa.func.count())
                .select_from(history_table)
                .where(history_table.c.record_id == record_id)
            ).scalar_one()
        )


def test_views_count_readers_other_than_the_author_without_history(
    client: TestClient, platform: Platform, tenant: TenantInfo
) -> None:
    live = published(client, "发票开具说明", "<p>正文</p>")
    draft = article(client, "草稿文章")
    entries = _history_count(platform, tenant, live["id"])
    view = f"/api/v1/records/{KB}/{live['id']}/view"
    # The author opening their own article is not a view.
    assert ok(client.post(view)) == {"view_count": 0}
    add_member(platform, tenant, "kbreader@example.com", {"knowledge_article": {"read": True}})
    login(client, "kbreader@example.com", ADMIN_PASSWORD, tenant.name)
    assert ok(client.post(view)) == {"view_count": 1}
    assert ok(client.post(view)) == {"view_count": 2}
    after = get(client, KB, live["id"])
    assert after["view_count"] == 2
    # A view is not an edit: no history entry, the row's stamps unchanged.
    assert after["updated_at"] == live["updated_at"]
    assert _history_count(platform, tenant, live["id"]) == entries
    # Drafts are opened by their reviewers: not counted.
    assert ok(client.post(f"/api/v1/records/{KB}/{draft['id']}/view")) == {"view_count": 0}

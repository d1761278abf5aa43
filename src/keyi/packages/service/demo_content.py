"""Demo knowledge base and field service: what the knowledge and "my day" screens show on the
demo company's first run (keyi.packages.service.demo calls these).

Once per tenant (when it has no knowledge category yet): a small category tree and published
articles, public and internal, in Chinese with a few in English, one of them in its second
version; and the day's visits of the demo administrator (the service manager), one in each
step, so "my day" is not empty for whoever signs in first. Per batch of cases: a work order for
about half of the fault and installation cases, for the case's agent (the technician), in the
step that fits the case's status — scheduled or on the way for open cases, completed with the
customer's signature for resolved ones, now and then one cancelled.

Everything goes through the records service and the package's own functions (publishing,
storing the signature as a file), so numbers, snapshots and history are what the hooks make.
"""

from __future__ import annotations

import io
import random
from collections.abc import Sequence
from datetime import UTC, datetime, time, timedelta
from functools import cache
from typing import Any

import sqlalchemy as sa
from PIL import Image, ImageDraw

from keyi.packages.service import knowledge
from keyi.platform.context import Context
from keyi.platform.mailboxes.files import store_file
from keyi.platform.records import RecordsService

# name → children (names), in display order.
CATEGORIES: dict[str, tuple[str, ...]] = {
    "产品使用": ("报表与导出", "移动端"),
    "账号与权限": (),
    "硬件设备": ("打印机与扫描仪",),
    "发票与账单": (),
}
# (category, title, visibility, language, summary, body, keywords)
ARTICLES: tuple[tuple[str, str, str, str, str, str, str], ...] = (
    (
        "账号与权限",
        "忘记密码如何重置",
        "public",
        "zh-CN",
        "在登录页通过邮箱重置密码，链接 30 分钟内有效。",
        "<p>在登录页点击<strong>忘记密码</strong>，输入注册邮箱。</p><ol><li>打开邮件中的链接"
        "（30 分钟内有效）；</li><li>设置新密码（至少 10 位）；</li><li>用新密码登录。</li></ol>"
        "<p>收不到邮件时请检查垃圾邮件箱，或联系管理员。</p>",
        "密码 登录 重置",
    ),
    (
        "报表与导出",
        "报表导出失败的排查步骤",
        "internal",
        "zh-CN",
        "导出超时或文件为空时，先缩小筛选范围，再查看任务队列。",
        "<p>常见原因：</p><ul><li>筛选范围过大（超过 10 万行）导致超时；</li><li>浏览器拦截了"
        "下载；</li><li>后台任务队列积压。</li></ul><p>处理：缩小日期范围后重试；在“设置 › "
        "任务”中查看失败的导出任务并重试。</p>",
        "报表 导出 超时",
    ),
    (
        "打印机与扫描仪",
        "票据打印机卡纸处理",
        "public",
        "zh-CN",
        "关机后打开上盖，顺着走纸方向取出纸张，检查切刀。",
        "<p>请先<strong>关闭电源</strong>，再打开打印机上盖。</p><p>顺着走纸方向轻轻取出卡住的"
        "纸张，不要反向拉扯；检查切刀附近是否有碎纸。装回纸卷时注意热敏面朝外。</p>",
        "打印机 卡纸 票据",
    ),
    (
        "打印机与扫描仪",
        "Scanner not detected after a Windows update",
        "public",
        "en",
        "Reinstall the TWAIN driver and restart the scanning service.",
        "<p>After some Windows updates the scanner driver is disabled.</p><ol><li>Open Device "
        "Manager and uninstall the scanner;</li><li>install the latest TWAIN driver from the "
        "vendor;</li><li>restart the <em>Windows Image Acquisition</em> service.</li></ol>",
        "scanner driver TWAIN",
    ),
    (
        "移动端",
        "移动端数据无法同步",
        "public",
        "zh-CN",
        "检查网络与登录状态，下拉刷新；仍不同步请退出后重新登录。",
        "<p>移动端离线时的修改会在联网后自动同步。若长时间未同步：</p><ol><li>确认网络正常；"
        "</li><li>在列表页下拉刷新；</li><li>退出登录后重新登录。</li></ol>",
        "移动端 同步 离线",
    ),
    (
        "发票与账单",
        "发票开具流程与所需材料",
        "public",
        "zh-CN",
        "付款后在“发票”页提交开票信息，3 个工作日内开具电子发票。",
        "<p>付款到账后，请在<strong>发票</strong>页填写抬头、税号和收票邮箱。增值税专用发票"
        "还需提供开户行及账号。电子发票将在 3 个工作日内发送到收票邮箱。</p>",
        "发票 开票 税号",
    ),
    (
        "发票与账单",
        "Refunds and credit notes (internal)",
        "internal",
        "en",
        "Who approves a refund, and how a credit note is issued against an invoice.",
        "<p>Refunds above ¥5,000 need the finance manager's approval. Issue a credit note "
        "against the original invoice; never delete the invoice.</p>",
        "refund credit note",
    ),
    (
        "产品使用",
        "新分公司开通检查清单",
        "internal",
        "zh-CN",
        "开通新分公司前的部门、角色、队列与数据权限检查项。",
        "<p>上线前确认：</p><ul><li>部门与上级已建好；</li><li>角色与共享规则覆盖新分公司；"
        "</li><li>服务队列成员已添加；</li><li>客户公海规则已设置。</li></ul>",
        "分公司 开通 权限",
    ),
)
# The article whose second version the demo publishes (so its history has two versions).
REVISED = ("忘记密码如何重置", "补充：企业微信登录的用户请在企业微信中重置。")
# step → (status, summary) for visits.
VISIT_SUMMARIES = (
    "更换主板后开机测试正常，已向客户演示。",
    "清理走纸通道并更换切刀，打印测试通过。",
    "完成服务器上架与网络配置，管理员已确认。",
)
SIGNERS = ("赵敏", "周强", "陈静", "刘洋", "王磊")
FIELD_TYPES = ("fault", "installation")
FIELD_SHARE = 0.5


def ensure_content(ctx: Context, svc: RecordsService, owner: str | None) -> dict[str, int]:
    """The knowledge base and the manager's day, once per tenant; the records made."""
    categories = ctx.object(knowledge.CATEGORY).table
    if ctx.conn.execute(sa.select(categories.c.id).limit(1)).first() is not None:
        return {}
    made = _knowledge(ctx, svc, owner)
    if owner is not None:
        made["work_order"] = _manager_day(ctx, svc, owner)
    return made


def _knowledge(ctx: Context, svc: RecordsService, owner: str | None) -> dict[str, int]:
    ids: dict[str, str] = {}
    for order, (name, children) in enumerate(CATEGORIES.items()):
        ids[name] = svc.create(knowledge.CATEGORY, {"name": name, "sort_order": order})["id"]
        for sub, child in enumerate(children):
            ids[child] = svc.create(
                knowledge.CATEGORY, {"name": child, "parent": ids[name], "sort_order": sub}
            )["id"]
    articles = 0
    for category, title, visibility, language, summary, body, keywords in ARTICLES:
        values = {
            "title": title,
            "category": ids[category],
            "visibility": visibility,
            "language": language,
            "summary": summary,
            "body": body,
            "keywords": keywords,
        }
        if owner is not None:
            values["owner_id"] = owner
        created = svc.create(knowledge.ARTICLE, values)["id"]
        knowledge.publish(ctx, created)
        articles += 1
        if title == REVISED[0]:
            draft = knowledge.new_version(ctx, created)
            svc.update(
                knowledge.ARTICLE,
                draft,
                {"body": body + f"<p>{REVISED[1]}</p>", "change_note": REVISED[1]},
            )
            knowledge.publish(ctx, draft)
            articles += 1
    return {
        knowledge.CATEGORY: len(ids),
        knowledge.ARTICLE: articles,
        knowledge.VERSION: articles,
    }


@cache
def signature_png() -> bytes:
    """A customer's signature as a signature pad draws it (transparent, one stroke)."""
    image = Image.new("RGBA", (300, 100), (0, 0, 0, 0))
    ImageDraw.Draw(image).line(
        [(12, 70), (50, 25), (85, 75), (120, 30), (160, 70), (210, 40), (285, 55)],
        fill="black",
        width=4,
    )
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


STAMPS = frozenset(
    {
        "en_route_at",
        "check_in_at",
        "check_out_at",
        "work_summary",
        "signed_by_name",
        "signed_at",
        "signature_file",
    }
)


def _visit(
    values: dict[str, Any], step: str, start: datetime, summary: str, signer: str
) -> dict[str, Any]:
    """A work order in ``step``: its visit's stamps what the actions would have written."""
    record = {**values, "scheduled_start": start, "scheduled_end": start + timedelta(hours=2)}
    record["status"] = step
    if step in ("en_route", "in_progress", "completed"):
        record["en_route_at"] = start - timedelta(minutes=40)
    if step in ("in_progress", "completed"):
        record["check_in_at"] = start + timedelta(minutes=5)
    if step == "completed":
        record.update(
            check_out_at=start + timedelta(minutes=95),
            work_summary=summary,
            signed_by_name=signer,
            signed_at=start + timedelta(minutes=97),
        )
    return record


def _create_visits(ctx: Context, svc: RecordsService, visits: list[dict[str, Any]]) -> int:
    """Create the work orders in one batch; a completed one's signature is then kept as a file
    with it (the file needs the record's id), as the sign-off does."""
    if not visits:
        return 0
    ids = svc.create_many("work_order", visits, trusted_fields=STAMPS)
    for record_id, visit in zip(ids, visits, strict=True):
        if visit["status"] != "completed":
            continue
        file_id = store_file(
            ctx.conn,
            object_name="work_order",
            record_id=record_id,
            filename="signature.png",
            content_type="image/png",
            content=signature_png(),
            now=ctx.now(),
            created_by=visit.get("technician"),
        )
        svc.update(
            "work_order",
            record_id,
            {"signature_file": file_id},
            trusted_fields=frozenset({"signature_file"}),
        )
    return len(ids)


def _manager_day(ctx: Context, svc: RecordsService, owner: str) -> int:
    """Today's visits of the manager who signs in first: done, on site, on the way, later."""
    # Hours of the tenant's today (its time zone), stored as UTC like every datetime.
    local_midnight = datetime.combine(ctx.today(), time(0), tzinfo=ctx.time_zone)
    midnight = local_midnight.astimezone(UTC).replace(tzinfo=None)
    accounts = ctx.object("account").table
    rows = ctx.conn.execute(
        sa.select(accounts.c.id, accounts.c.address)
        .where(accounts.c.deleted_at.is_(None), accounts.c.address.is_not(None))
        .order_by(accounts.c.id)
        .limit(4)
    ).all()
    plans = (
        ("completed", 9, "打印机卡纸上门处理"),
        ("in_progress", 11, "收银系统上门巡检"),
        ("en_route", 14, "服务器上架安装"),
        ("scheduled", 16, "门店网络设备调试"),
    )
    visits = []
    for i, (step, hours, subject) in enumerate(plans):
        account = rows[i % len(rows)] if rows else None
        values = {
            "subject": subject,
            "technician": owner,
            "owner_id": owner,
            "account": str(account.id) if account else None,
            "address": account.address if account else None,
        }
        start = midnight + timedelta(hours=hours)
        visits.append(_visit(values, step, start, VISIT_SUMMARIES[i % 3], SIGNERS[i]))
    return _create_visits(ctx, svc, visits)


def seed_work_orders(
    ctx: Context,
    svc: RecordsService,
    cases: Sequence[tuple[str, str, str | None, str | None, str, str]],
    rng: random.Random,
) -> int:
    """Work orders for about half of a batch's fault and installation cases: (case id, type,
    account, contact, case status, agent) → one visit by the agent in a fitting step."""
    accounts = ctx.object("account").table
    addresses = dict(
        ctx.conn.execute(
            sa.select(accounts.c.id, accounts.c.address).where(
                accounts.c.id.in_([c[2] for c in cases if c[2] is not None])
            )
        ).all()
    )
    table = ctx.object("case").table
    subjects = dict(
        ctx.conn.execute(
            sa.select(table.c.id, table.c.subject).where(table.c.id.in_([c[0] for c in cases]))
        ).all()
    )
    now = ctx.now().replace(minute=0, second=0, microsecond=0)
    visits: list[dict[str, Any]] = []
    for case_id, kind, account, contact, status, agent in cases:
        if kind not in FIELD_TYPES or rng.random() >= FIELD_SHARE:
            continue
        if status in ("resolved", "closed"):
            step = "cancelled" if rng.random() < 0.1 else "completed"
            start = now - timedelta(days=rng.randint(1, 20), hours=rng.randint(0, 6))
        elif status in ("new", "assigned"):
            step, start = (
                "scheduled",
                now + timedelta(days=rng.randint(1, 5), hours=rng.randint(0, 6)),
            )
        else:
            step = rng.choice(("scheduled", "en_route", "in_progress"))
            start = now + timedelta(hours=rng.randint(-2, 8))
        values = {
            "subject": subjects.get(case_id),
            "case": case_id,
            "account": account,
            "contact": contact,
            "address": addresses.get(account),
            "technician": agent,
            "owner_id": agent,
        }
        summary = rng.choice(VISIT_SUMMARIES)
        visits.append(_visit(values, step, start, summary, rng.choice(SIGNERS)))
    return _create_visits(ctx, svc, visits)

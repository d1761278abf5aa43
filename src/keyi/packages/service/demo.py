"""Demo customer service: two queues and about one case per ten accounts, in every status, each
with a short conversation in Chinese.

The queues (售后服务 after-sales, round robin; 技术支持 tech support, fewest open cases with
skills) are created once per tenant with members from the demo's users. Cases follow the
demo's opportunities batch by batch (keyi.demo.deals), one for about every tenth account of a
batch, so the service load grows with the demo's scale. Every record goes through the records
service: numbers, summaries, first-response stamps and the lifecycle's stamps are the hooks'.

The knowledge base, the manager's day of visits and the work orders of fault and installation
cases come from :mod:`keyi.packages.service.demo_content`.
"""

from __future__ import annotations

import random
from typing import Any

import sqlalchemy as sa

from keyi.demo.deals import Deal
from keyi.packages.service import demo_content
from keyi.platform.context import Context
from keyi.platform.records import RecordsService

CASE_SHARE = 0.1  # cases per account of a batch
AFTER_SALES, TECH_SUPPORT = "售后服务", "技术支持"
# status, weight: most cases are done, the console still has plenty open.
STATUSES = (
    ("new", 2),
    ("assigned", 2),
    ("in_progress", 3),
    ("waiting_on_customer", 2),
    ("resolved", 3),
    ("closed", 6),
)
# type → (queue, subjects, customer's first message, our reply, resolution)
TOPICS: dict[str, tuple[str, tuple[str, ...], str, str, str]] = {
    "inquiry": (
        AFTER_SALES,
        ("咨询发票开具流程", "询问续费优惠政策", "咨询账号数量调整"),
        "您好，想了解一下具体的办理流程和所需材料。",
        "您好，已将办理流程和材料清单发送到您的邮箱，请查收。",
        "已向客户说明流程并发送材料清单。",
    ),
    "complaint": (
        AFTER_SALES,
        ("实施顾问响应太慢", "培训安排与约定不符", "账单金额有异议"),
        "我们对这次的服务很不满意，希望尽快给个说法。",
        "非常抱歉给您带来不便，我们已安排专人跟进，今天内给您答复。",
        "已致电客户致歉并调整安排，客户表示认可。",
    ),
    "fault": (
        TECH_SUPPORT,
        ("系统登录报错 500", "报表导出失败", "移动端无法同步数据", "票据打印机卡纸"),
        "今天上午开始出现这个问题，影响了整个部门的使用，请尽快处理。",
        "收到，请提供一下出错时间和截图，我们正在排查日志。",
        "定位为缓存配置问题，已修复并回访确认恢复正常。",
    ),
    "return_exchange": (
        AFTER_SALES,
        ("平板屏幕有坏点申请换货", "扫描仪型号发错"),
        "收到的设备有问题，申请换货。",
        "已为您登记换货，快递员会在两个工作日内上门取件。",
        "已完成换货，新设备签收无误。",
    ),
    "installation": (
        TECH_SUPPORT,
        ("本地服务器上架安装", "ERP 连接器部署", "新分公司开通与安装"),
        "我们的机房已经准备好了，想约一下上门安装的时间。",
        "已为您预约本周四上午上门安装，工程师会提前电话联系。",
        "已完成安装调试并培训管理员。",
    ),
}
TYPES = tuple(TOPICS)
PRIORITIES = ("low", "medium", "medium", "high", "high", "urgent")
CHANNELS = ("phone", "phone", "email", "email", "web_form", "wecom")
INTERNAL_NOTES = (
    "客户是重点客户，注意跟进时效。",
    "已同步给二线工程师。",
    "需要确认合同服务范围。",
)


def ensure_queues(ctx: Context, svc: RecordsService) -> dict[str, dict[str, Any]]:
    """The two queues (once per tenant) with their members' user ids."""
    queues = ctx.object("queue").table
    found: dict[str, dict[str, Any]] = {
        row.name: {"id": str(row.id), "owner": str(row.owner_id) if row.owner_id else None}
        for row in ctx.conn.execute(
            sa.select(queues.c.id, queues.c.name, queues.c.owner_id).where(
                queues.c.name.in_((AFTER_SALES, TECH_SUPPORT)), queues.c.deleted_at.is_(None)
            )
        )
    }
    users = ctx.object("user").table
    agents = [
        str(u)
        for u in ctx.conn.execute(
            sa.select(users.c.id)
            .where(users.c.deleted_at.is_(None), users.c.is_active.is_(True))
            .order_by(users.c.is_admin.desc(), users.c.id)
            .limit(7)
        ).scalars()
    ]
    if not agents:
        return {}
    manager, staff = agents[0], agents[1:] or agents[:1]
    for name, assignment, skills in (
        (AFTER_SALES, "round_robin", None),
        (TECH_SUPPORT, "least_open", ["fault", "installation"]),
    ):
        if name in found:
            continue
        queue = svc.create(
            "queue",
            {
                "name": name,
                "assignment": assignment,
                "match_skills": skills is not None,
                "owner_id": manager,
                "description": f"{name}工单的默认队列。",
            },
        )
        half = staff[: max(1, len(staff) // 2)] if name == AFTER_SALES else staff[len(staff) // 2 :]
        svc.create_many(
            "queue_member",
            [
                {
                    "queue": queue["id"],
                    "user": user,
                    "skills": skills if i % 2 == 0 else None,
                    "max_open_cases": 40,
                }
                for i, user in enumerate(half or staff)
            ],
        )
        found[name] = {"id": str(queue["id"]), "owner": manager}
    members = ctx.object("queue_member").table
    for info in found.values():
        info["members"] = [
            str(u)
            for u in ctx.conn.execute(
                sa.select(members.c.user).where(
                    members.c.queue == info["id"], members.c.deleted_at.is_(None)
                )
            ).scalars()
        ] or [str(info["owner"])]
    return found


def seed_deals(
    ctx: Context, svc: RecordsService, deals: list[Deal], rng: random.Random
) -> dict[str, int]:
    """About one case per ten accounts of the batch, with its conversation and status."""
    accounts: dict[str, str | None] = {}
    for deal in deals:
        accounts.setdefault(deal.account_id, deal.contact_id)
    chosen = [a for a in sorted(accounts) if rng.random() < CASE_SHARE]
    if not chosen:
        return {}
    queues = ensure_queues(ctx, svc)
    if not queues:
        return {}
    made = demo_content.ensure_content(ctx, svc, queues[TECH_SUPPORT]["owner"])
    statuses = [s for s, weight in STATUSES for _ in range(weight)]
    plans = []
    for account in chosen:
        kind = rng.choice(TYPES)
        queue_name = TOPICS[kind][0]
        queue = queues[queue_name]
        status = rng.choice(statuses)
        agent = rng.choice(queue["members"])
        plans.append((account, kind, queue, status, agent))
    created_status = {"new": "new", "assigned": "assigned"}
    case_ids = svc.create_many(
        "case",
        [
            {
                "subject": rng.choice(TOPICS[kind][1]),
                "description": TOPICS[kind][2],
                "account": account,
                "contact": accounts[account],
                "type": kind,
                "priority": rng.choice(PRIORITIES),
                "channel": rng.choice(CHANNELS),
                "queue": queue["id"],
                "owner_id": queue["owner"] if status == "new" else agent,
                "status": created_status.get(status, "in_progress"),
            }
            for account, kind, queue, status, agent in plans
        ],
    )
    messages: list[dict[str, Any]] = []
    for case_id, (account, kind, _, status, _) in zip(case_ids, plans, strict=True):
        _, _, asked, answered, _ = TOPICS[kind]
        messages.append(
            {
                "case": case_id,
                "direction": "inbound",
                "body": asked,
                "channel": "email",
                "author_contact": accounts[account],
            }
        )
        if status not in ("new", "assigned"):
            messages.append(
                {"case": case_id, "direction": "outbound", "visibility": "public", "body": answered}
            )
            if rng.random() < 0.4:
                messages.append(
                    {"case": case_id, "visibility": "internal", "body": rng.choice(INTERNAL_NOTES)}
                )
    svc.create_many("case_message", messages)
    for case_id, (_, kind, _, status, _) in zip(case_ids, plans, strict=True):
        resolution = TOPICS[kind][4]
        if status == "waiting_on_customer":
            svc.update("case", case_id, {"status": "waiting_on_customer"})
        elif status in ("resolved", "closed"):
            svc.update("case", case_id, {"status": "resolved", "resolution": resolution})
            if status == "closed":
                svc.update("case", case_id, {"status": "closed"})
    visits = [
        (case_id, kind, account, accounts[account], status, agent)
        for case_id, (account, kind, _, status, agent) in zip(case_ids, plans, strict=True)
    ]
    made["work_order"] = made.get("work_order", 0) + demo_content.seed_work_orders(
        ctx, svc, visits, rng
    )
    return {**made, "case": len(case_ids), "case_message": len(messages)}

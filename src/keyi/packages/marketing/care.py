"""Customer care (客户关怀): birthday and festival greetings sent to a segment, every year.

A care plan names an occasion (a birthday, Spring Festival, Mid-Autumn … — dates from the
Chinese calendar, keyi.packages.marketing.occasions), a segment, a channel with its template,
how many days in advance and at which hour. The ``marketing_care`` periodic job (every
scheduler round) starts what is due: on the day (in the company's time zone), once the hour has
come, it makes an email or SMS campaign of the plan's audience — as the plan's owner, so the
audience is the people the owner may see, and consent, opt-outs and the rate limit apply as
for any campaign — and starts it. ``last_sent_on`` makes a day's send happen once however
often the job runs; a missed day (the server was down) is not caught up a day late, as a
greeting after the festival is worse than none.

A birthday plan sends every day to those of the segment whose birthday it is (``days_before``
days ahead): its audience is a dynamic segment the plan keeps (``audience_segment``), the
plan's segment narrowed by the `anniversary` filter operator, rebuilt before each send so a
change to the plan's segment is followed. Birthdays are a contact's field, so birthday plans
take contact segments.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, timedelta
from typing import Any

import sqlalchemy as sa

from keyi.packages.marketing import email_campaigns, sms_campaign
from keyi.packages.marketing.audience import audience_filter
from keyi.packages.marketing.occasions import occasion_date
from keyi.platform import periodic
from keyi.platform.analytics.readers import as_user
from keyi.platform.context import Context
from keyi.platform.hooks import WriteEvent, registry
from keyi.platform.i18n import MESSAGES
from keyi.platform.records import RecordsService

MESSAGES.update(
    {
        "care_birthday_needs_contacts": {
            "en": "Birthdays are a contact's: choose a segment of contacts.",
            "zh-CN": "生日是联系人的字段：请选择联系人分群。",
        }
    }
)
log = logging.getLogger("keyi.marketing.care")
hooks = registry.package("marketing")
jobs = periodic.registry.package("marketing")

OBJECT = "care_plan"
AUDIENCE_NAME = {"zh-CN": "{plan}（当日生日）", "en": "{plan} (birthdays of the day)"}
CAMPAIGN_NAME = "{plan} · {day}"
# Read-only fields the package keeps on the plan.
KEPT = frozenset({"last_sent_on", "next_send_on", "audience_segment"})


def due_day(plan: dict[str, Any], today: date) -> date | None:
    """The occasion day whose send falls on ``today`` (None: nothing to send today)."""
    ahead = int(plan.get("days_before") or 0)
    if plan["occasion"] == "birthday":
        return today + timedelta(days=ahead)
    for year in (today.year, today.year + 1):
        day = occasion_date(plan["occasion"], year)
        if day - timedelta(days=ahead) == today:
            return day
    return None


def next_send_on(plan: dict[str, Any], today: date) -> date | None:
    """The next day (from ``today``) a plan sends on, for its page."""
    if not plan.get("active", True):
        return None
    ahead = int(plan.get("days_before") or 0)
    if plan["occasion"] == "birthday":
        return today
    for year in (today.year, today.year + 1, today.year + 2):
        send = occasion_date(plan["occasion"], year) - timedelta(days=ahead)
        if send >= today:
            return send
    return None


@hooks.before_save(OBJECT)
def check_plan(ctx: Context, event: WriteEvent) -> None:
    """Birthday plans need a contact segment; keep the next send day current."""
    segment_id = event.final("segment")
    if event.final("occasion") == "birthday" and segment_id:
        segments = ctx.object("segment").table
        kind = ctx.conn.execute(
            sa.select(segments.c.object).where(segments.c.id == segment_id)
        ).scalar()
        if kind is not None and kind != "contact":
            event.errors.add("segment", "care_birthday_needs_contacts")
    plan = {
        "occasion": event.final("occasion"),
        "days_before": event.final("days_before"),
        "active": event.final("active"),
    }
    if plan["occasion"]:
        # From tomorrow once today's send is done.
        today = ctx.today()
        start = today + timedelta(days=1) if event.final("last_sent_on") == today else today
        event.values["next_send_on"] = next_send_on(plan, start)


def _local_hour(ctx: Context) -> int:
    """The hour of the day now in the company's time zone."""
    return ctx.now().replace(tzinfo=UTC).astimezone(ctx.time_zone).hour


@jobs.job("marketing_care")
def run_care(ctx: Context) -> int:
    """Start every care plan due now; how many campaigns were started."""
    table = ctx.object(OBJECT).table
    today = ctx.today()
    plans = (
        ctx.conn.execute(
            sa.select(table).where(
                table.c.deleted_at.is_(None),
                table.c.active.is_(True),
                sa.or_(table.c.last_sent_on.is_(None), table.c.last_sent_on < today),
            )
        )
        .mappings()
        .all()
    )
    hour = _local_hour(ctx)
    started = 0
    for row in plans:
        plan = dict(row)
        day = due_day(plan, today)
        if day is None or hour < int(plan.get("send_hour") or 0):
            continue
        if send_plan(ctx, plan, day):
            started += 1
        RecordsService(ctx).update(
            OBJECT,
            str(plan["id"]),
            {"last_sent_on": today},
            trusted_fields=KEPT,
        )
    return started


def send_plan(ctx: Context, plan: dict[str, Any], day: date) -> bool:
    """Make and start the plan's campaign for ``day`` as the plan's owner (False when the
    owner is gone or the segment is no longer theirs to read: nothing is sent)."""
    owner = plan.get("owner_id")
    if not owner:
        return False
    with as_user(ctx, str(owner)) as acting:
        if not acting:
            log.warning("care plan %s: its owner is inactive; nothing sent", plan["id"])
            return False
        records = RecordsService(ctx)
        segment = records.get("segment", str(plan["segment"]))
        audience = segment["id"]
        if plan["occasion"] == "birthday":
            audience = _birthday_audience(ctx, plan, segment, day)
        name = CAMPAIGN_NAME.format(plan=plan["name"], day=day.isoformat())
        if plan["channel"] == "sms":
            created = records.create(
                "sms_campaign",
                {
                    "name": name,
                    "segment": audience,
                    "template": plan["sms_template"],
                    "campaign": plan.get("campaign"),
                },
            )
            sms_campaign.start_campaign(ctx, records.get("sms_campaign", created["id"]))
        else:
            created = records.create(
                "email_campaign",
                {
                    "name": name,
                    "segment": audience,
                    "template": plan["email_template"],
                    "campaign": plan.get("campaign"),
                },
            )
            email_campaigns.send_now(ctx, records.get("email_campaign", created["id"]), None)
    return True


def _birthday_audience(
    ctx: Context, plan: dict[str, Any], segment: dict[str, Any], day: date
) -> str:
    """The plan's own dynamic segment: its segment's people whose birthday is ``day``."""
    narrowed: dict[str, Any] = {
        "and": [
            *([base] if (base := audience_filter(segment)) else []),
            {"field": "birthday", "op": "anniversary", "value": day.isoformat()},
        ]
    }
    records = RecordsService(ctx)
    values = {"filter": narrowed, "object": "contact", "type": "dynamic"}
    existing = plan.get("audience_segment")
    if existing:
        current = records.get("segment", str(existing))
        records.update("segment", str(current["id"]), values)
        return str(current["id"])
    language = "en" if str(ctx.locale or "").startswith("en") else "zh-CN"
    created = records.create(
        "segment", {"name": AUDIENCE_NAME[language].format(plan=plan["name"]), **values}
    )
    records.update(
        OBJECT, str(plan["id"]), {"audience_segment": created["id"]}, trusted_fields=KEPT
    )
    plan["audience_segment"] = created["id"]
    return str(created["id"])

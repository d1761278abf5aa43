"""The ``post_to_robot`` action: rendered in the flow run, posted by the ``robot.send`` job.

**In the run** (:func:`queue_robot_message`), inside the run's transaction: the title and text
templates are rendered in the company's language over the record as it is then (a template
naming a missing field fails the run, as for notify and email), the record's link is made from
``KEYI_PUBLIC_URL`` as in notification emails, and one ``robot.send`` job is queued carrying the
rendered message and the channel's id — never its URL or secret. The run's step says
``pending``. Nothing goes out if the run fails: the job rolls back with it.

**In the job** (:func:`send_robot_message`), after the run committed: the channel is read
(switched off or deleted since: the step is ``skipped``), the URL checked against SSRF again and
the message posted. Why a job of its own rather than posting from the run: the post is an
effect outside the database, so it must not be repeated when the run's job is (a failed run is
retried whole), and a slow or rate-limited robot must not hold the run.

What is retried: what the adapters call retryable — a network failure, HTTP 429 or 5xx, a
vendor's rate-limit code (WeCom 45009, DingTalk 130101, Feishu 11232) — by raising, so the queue
tries again on :data:`ROBOT_RETRY` (exponential backoff with jitter: the vendors allow about 20
messages a minute per robot, and jobs that failed together come back spread out) up to
:data:`ROBOT_ATTEMPTS` attempts. What is not: a configuration error (a wrong key or secret, a
URL no longer allowed) fails at once. The final outcome — done, or failed with the vendor's
message — is written into the run's step (and the error on the run) and on the channel (its
last result in Setup). A worker dying between the post and the commit posts again: robots have
no idempotency key, so at-least-once is what a job can promise here.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from keyi.platform.automation.model import PostToRobot
from keyi.platform.automation.runs import update_step
from keyi.platform.automation.triggers import ActiveFlow
from keyi.platform.context import Context
from keyi.platform.crypto import SecretUnreadable
from keyi.platform.errors import NotFound
from keyi.platform.i18n import label
from keyi.platform.jobs import ClaimedJob, RetryPolicy, enqueue, job_handler
from keyi.platform.notifications.email import absolute_url
from keyi.platform.notify.channels import channel_state, load_for_sending, post, record_result
from keyi.platform.notify.results import SendResult
from keyi.platform.notify.robots import RobotMessage
from keyi.platform.notify.templates import MessageTemplate, normalise_locale, render
from keyi.platform.webhooks.subscriptions import allow_private

__all__ = [
    "ROBOT_ATTEMPTS",
    "ROBOT_JOB",
    "ROBOT_RETRY",
    "RobotNotSent",
    "queue_robot_message",
    "send_robot_message",
]

ROBOT_JOB = "robot.send"
ROBOT_RETRY = RetryPolicy(first=timedelta(seconds=30), factor=2.0, cap=timedelta(minutes=30))
ROBOT_ATTEMPTS = 6
"""The first attempt and five retries: up to about half an hour of a robot refusing."""


class RobotNotSent(Exception):
    """A retryable failure (the vendor's words, never a credential): the queue tries again."""


def queue_robot_message(
    ctx: Context,
    flow: ActiveFlow,
    object_name: str | None,
    record: dict[str, Any],
    action: PostToRobot,
    index: int,
    run_id: str,
    *,
    link: bool,
) -> dict[str, Any]:
    """Render the message and queue its job; what the run's step records. Raises
    TemplateRenderError for a template the record cannot fill. ``link``: the record can be
    opened (not a deleted one, not a run without a record)."""
    step: dict[str, Any] = {"channel_id": action.channel_id}
    state = channel_state(ctx, action.channel_id)
    if state is None:
        return {**step, "outcome": "skipped", "reason": "robot_channel_not_found"}
    step["channel"] = state.name
    if not state.active:
        return {**step, "outcome": "skipped", "reason": "robot_channel_inactive"}
    language = normalise_locale(str(ctx.settings.get("locale") or ""))
    obj = ctx.object(object_name).definition.labels if object_name else None
    values = {
        "record": record,
        "object": label(obj, language) if obj else "",
        "flow": label(flow.definition.labels, language),
    }
    message = render(
        MessageTemplate(subject=action.title, text=action.text),
        values,
        language=language,
        time_zone=ctx.time_zone,
    )
    settings = ctx.platform_settings
    url = None
    if link and object_name and record.get("id") and settings is not None:
        url = absolute_url(settings, f"/o/{object_name}/{record['id']}")
    job_id = enqueue(
        ctx.conn,
        ROBOT_JOB,
        {
            "run_id": run_id,
            "action": index,
            "channel_id": action.channel_id,
            "title": message.subject,
            "text": message.text,
            "url": url,
        },
        now=ctx.now(),
        dedupe_key=f"robot:{run_id}:{index}",
        max_attempts=ROBOT_ATTEMPTS,
    )
    return {**step, "outcome": "pending", "job_id": job_id}


@job_handler(ROBOT_JOB, retry=ROBOT_RETRY)
def send_robot_message(ctx: Context, job: ClaimedJob) -> None:
    """Post one flow's message (see the module docstring for what is retried)."""
    payload = job.payload
    run_id, index = str(payload["run_id"]), int(payload["action"])
    channel_id = str(payload["channel_id"])
    try:
        row, channel = load_for_sending(ctx, channel_id)
    except NotFound:
        update_step(ctx, run_id, index, {"outcome": "skipped", "reason": "robot_channel_not_found"})
        return
    except SecretUnreadable:
        _finish(ctx, job, channel_id, SendResult(ok=False, error="secret_unreadable"))
        return
    if not row["active"]:
        update_step(ctx, run_id, index, {"outcome": "skipped", "reason": "robot_channel_inactive"})
        return
    message = RobotMessage(str(payload["title"]), str(payload["text"]), payload.get("url"))
    result = post(channel, message, allow_private=allow_private(ctx))
    if not result.ok and result.retryable and job.attempts < job.max_attempts:
        raise RobotNotSent(result.error or "not sent")
    _finish(ctx, job, channel_id, result)


def _finish(ctx: Context, job: ClaimedJob, channel_id: str, result: SendResult) -> None:
    """The final outcome, on the run's step (and the run, when it failed) and the channel."""
    index = int(job.payload["action"])
    record_result(ctx, channel_id, result)
    values: dict[str, Any] = {
        "outcome": "done" if result.ok else "failed",
        "attempts": job.attempts,
        "status_code": result.status_code,
    }
    if result.ok:
        update_step(ctx, str(job.payload["run_id"]), index, values)
        return
    error = result.error or "not sent"
    update_step(
        ctx,
        str(job.payload["run_id"]),
        index,
        {**values, "error": error},
        error=f"action {index + 1} (post_to_robot): {error}",
    )

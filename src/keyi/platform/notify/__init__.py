"""Notification channels: how one message reaches people, whatever decided to send it.

This layer knows nothing of records, flows or the job queue. It renders administrator-written
templates in a sandbox (`templates`), turns the result into an email sent through the SMTP
relay (`email`) or a group-robot message for WeCom, DingTalk or Feishu (`robots`), and reports
each attempt as a `SendResult` instead of raising, so the caller — a job that runs after the
record's transaction committed — can store the outcome and retry what is retryable.

The tenant's configured robots (Setup › Robot channels: the URL and secret encrypted at rest,
SSRF-checked, sent through a client pinned to the checked addresses) are kept by
:mod:`.channels` with :mod:`.table` and :mod:`.transport`; it is not imported here, as it reads
the database and this package's adapters do not.

Typical use::

    rendered = render(template, {"record": record, "user": user}, language=user["language"])
    send_email(settings, email_from_rendered(settings, user["email"], rendered))
    robots.send(channel, RobotMessage(rendered.subject, rendered.text, link), client=client)
"""

from keyi.platform.notify import robots
from keyi.platform.notify.email import build_email, email_from_rendered, send_email
from keyi.platform.notify.results import SendResult
from keyi.platform.notify.robots import RobotChannel, RobotMessage, robot_channel
from keyi.platform.notify.templates import (
    DEFAULT_LOCALE,
    LOCALES,
    MessageTemplate,
    RenderedMessage,
    TemplateRenderError,
    choose_locale,
    render,
    validate_template,
)

__all__ = [
    "DEFAULT_LOCALE",
    "LOCALES",
    "MessageTemplate",
    "RenderedMessage",
    "RobotChannel",
    "RobotMessage",
    "SendResult",
    "TemplateRenderError",
    "build_email",
    "choose_locale",
    "email_from_rendered",
    "render",
    "robot_channel",
    "robots",
    "send_email",
    "validate_template",
]

"""In-app notifications (the bell) and their email copies.

:mod:`.service` — ``notify`` (write in the caller's transaction, enqueue email), reading and
marking a user's own notifications, the email preference; :mod:`.email` — the ``notify.email``
job; :mod:`.table` — the tables, in each tenant's namespace. Importing this package registers the
job kind. See docs/architecture.md, "Notifications".
"""

from keyi.platform.notifications import email as _email  # noqa: F401  (registers notify.email)
from keyi.platform.notifications.service import (
    EMAIL_JOB,
    RecordLink,
    email_available,
    get_preferences,
    list_for_user,
    mark_read,
    notify,
    set_preferences,
    unread_count,
)
from keyi.platform.notifications.table import notification_table, preference_table

__all__ = [
    "EMAIL_JOB",
    "RecordLink",
    "email_available",
    "get_preferences",
    "list_for_user",
    "mark_read",
    "notification_table",
    "notify",
    "preference_table",
    "set_preferences",
    "unread_count",
]

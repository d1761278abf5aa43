"""The robot channels of a tenant: its configured WeCom, DingTalk and Feishu group robots.

In the tenant's namespace, like the webhook subscriptions, so a channel is read in the
transaction of the flow run or job that posts to it, and its last result is written there.

Both the webhook URL and the signing secret are stored encrypted with the installation's key
(`Platform.secret_box`): the URL itself is the credential (WeCom's ``key``, DingTalk's
``access_token``, Feishu's hook id), so a copy of the database alone must not be enough to post
into a company's group chats. ``url_hint`` (host and the URL's last four characters) is kept in
the clear so that lists show which robot a channel is without decrypting anything — and still
do when the installation's key changed and the stored URL can no longer be read.
"""

from __future__ import annotations

import sqlalchemy as sa

from keyi.platform.schema import system_metadata

__all__ = ["ROBOT_CHANNEL_TABLE_NAME", "robot_channel_table"]

ROBOT_CHANNEL_TABLE_NAME = "keyi_robot_channel"

robot_channel_table = sa.Table(
    ROBOT_CHANNEL_TABLE_NAME,
    system_metadata,
    sa.Column("id", sa.Uuid(as_uuid=False), primary_key=True),
    sa.Column("name", sa.String(100), nullable=False, unique=True),
    sa.Column("vendor", sa.String(16), nullable=False),  # wecom, dingtalk, feishu
    sa.Column("url", sa.Text, nullable=False),  # encrypted (keyi.platform.crypto)
    sa.Column("url_hint", sa.String(300), nullable=False),
    sa.Column("secret", sa.Text, nullable=True),  # encrypted; DingTalk and Feishu only
    sa.Column("markdown", sa.Boolean, nullable=False),
    sa.Column("active", sa.Boolean, nullable=False),
    sa.Column("created_by", sa.Uuid(as_uuid=False), nullable=True),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("updated_by", sa.Uuid(as_uuid=False), nullable=True),
    sa.Column("updated_at", sa.DateTime, nullable=False),
    # The outcome of the last message sent (a test or a flow's): ok or failed, and why.
    sa.Column("last_status", sa.String(16), nullable=True),
    sa.Column("last_error", sa.String(500), nullable=True),
    sa.Column("last_at", sa.DateTime, nullable=True),
)

"""Reading what a journey's server mailed: the Maildir the suite's SMTP server writes."""

from __future__ import annotations

import email
import email.policy
import mailbox
import re
import time
from pathlib import Path


def link_mailed(maildir: Path, address: str, path: str, timeout: float = 60) -> str:
    """The first link containing `path` in a mail to `address`, waiting for the server's job
    to send it (the customer also gets the agent's replies by mail)."""
    # A plain-text part writes links as "text (url)": the parentheses are not the link's.
    pattern = re.compile(r"https?://[^\s\"'<>()]+" + re.escape(path) + r"[^\s\"'<>()]+")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if maildir.exists():
            for raw in mailbox.Maildir(str(maildir), create=False):
                message = email.message_from_bytes(raw.as_bytes(), policy=email.policy.default)
                if address not in str(message["To"]):
                    continue
                body = message.get_body(preferencelist=("plain", "html"))
                found = pattern.search(str(body.get_content())) if body is not None else None
                if found:
                    return found.group(0)
        time.sleep(0.25)
    raise AssertionError(f"no mail to {address} with a link to {path}")

"""The development provider: writes what would be sent to the log, sends nothing.

The default for a tenant that has not chosen a vendor, so a demo or a test installation can run
campaigns end to end without credentials and without texting anyone. The number is logged
masked (a log is not a place for personal data); the template and parameters are logged.
"""

from __future__ import annotations

import logging
import uuid

from keyi.platform.sms.provider import SmsRequest, SmsResult

__all__ = ["LogProvider", "mask"]

log = logging.getLogger("keyi.sms")


def mask(number: str) -> str:
    """+8613812345678 → +86138****5678."""
    return number[:-8] + "****" + number[-4:] if len(number) > 8 else "****"


class LogProvider:
    name = "log"

    def send(self, request: SmsRequest) -> SmsResult:
        log.info(
            "sms (log provider, not sent) to %s sign=%s template=%s params=%s",
            ",".join(mask(n) for n in request.phone_numbers),
            request.sign_name,
            request.template_code,
            request.params,
        )
        return SmsResult(ok=True, message_id=f"log-{uuid.uuid4().hex[:16]}")

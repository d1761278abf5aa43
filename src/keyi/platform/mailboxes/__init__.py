"""Incoming mail: IMAP mailboxes a tenant configures and the client that reads them.

:mod:`.table` (the settings and the read position of each mailbox, password encrypted),
:mod:`.imap` (fetch the messages after the last UID seen, mark them seen). What a message
becomes (a case, a reply on a case) is the business of the package that owns the mailbox.
"""

from keyi.platform.mailboxes.table import mailbox_table

__all__ = ["mailbox_table"]

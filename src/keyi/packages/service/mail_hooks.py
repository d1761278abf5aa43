"""Registers email to case with the platform: the mailbox poll (a periodic job), the outbound
mail job and the hook that queues it. Imported with the package's modules (load_package
imports every ``*_hooks`` module of a package)."""

from keyi.packages.service import mail_inbound, mail_outbound

__all__ = ["mail_inbound", "mail_outbound"]

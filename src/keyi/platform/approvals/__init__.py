"""Approval processes (审批流): definitions as metadata, submissions, steps, decisions.

:mod:`.model` (the metadata), :mod:`.check` (at save), :mod:`.definitions` (Setup),
:mod:`.engine` (submit, approve, reject, recall, delegate, the inbox, the record lock),
:mod:`.approvers` (who approves a step), :mod:`.tables`. See docs/architecture.md.
"""

"""Automation: record-triggered flows (自动化流程) on the job queue.

See docs/architecture.md, "Flows": :mod:`.model` (the metadata), :mod:`.check` (at save),
:mod:`.triggers` (which flows a write starts), :mod:`.runner` (the ``flow.run`` job),
:mod:`.runs` (the run log), :mod:`.service` (Setup and the API).
"""

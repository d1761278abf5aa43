"""The ASGI entry point of a server process started by `keyi serve --workers N`.

Several processes cannot share one app object, so each builds its own from the environment:
`keyi serve` writes the settings it was given (flags included) to the environment before it
starts them. Everything they must agree on lives in the databases, not in the process:
sessions and rate limits in the control database, metadata caches keyed by a revision read on
every request (keyi.platform.metadata.store).
"""

from __future__ import annotations

from fastapi import FastAPI

from keyi.settings import Settings


def create_from_env() -> FastAPI:
    """A server process's app; the parent has already upgraded tenants and runs the jobs."""
    from keyi.api.app import create_app
    from keyi.cli import configure_logging

    configure_logging()
    return create_app(Settings.from_env())

"""Fixtures shared by the integration tests beyond those of tests/conftest.py."""

from tests.integration.robot_fakes import serve

__all__ = ["serve"]

"""A tiny REST client for e2e tests: set up or check data through the real API, not the UI."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

from tests.e2e.conftest import DEMO_EMAIL, DEMO_PASSWORD


class Api:
    """Bearer-token calls to a running `keyi serve` as the demo administrator (or as another
    demo user, to see what they see)."""

    def __init__(self, server: str, email: str = DEMO_EMAIL, password: str = DEMO_PASSWORD) -> None:
        self.server = server
        self.token = self.call(
            "POST", "/api/v1/auth/login", {"email": email, "password": password}
        )["token"]

    def call(
        self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
    ) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.server + path, data=data, method=method)  # noqa: S310
        request.add_header("Content-Type", "application/json")
        if getattr(self, "token", None):
            request.add_header("Authorization", f"Bearer {self.token}")
        for key, value in (headers or {}).items():
            request.add_header(key, value)
        try:
            with urllib.request.urlopen(request, timeout=15) as response:  # noqa: S310
                text = response.read().decode()
        except urllib.error.HTTPError as error:
            raise AssertionError(f"{method} {path}: {error.code} {error.read().decode()}") from None
        return json.loads(text) if text else None

    def get(self, path: str) -> Any:
        return self.call("GET", path)

    def query(self, object_name: str, **body: Any) -> list[dict[str, Any]]:
        return list(self.call("POST", f"/api/v1/records/{object_name}/query", body)["records"])

    def record(self, object_name: str, record_id: str) -> dict[str, Any]:
        return dict(self.get(f"/api/v1/records/{object_name}/{record_id}"))

    def raw(self, path: str) -> bytes:
        """A GET's body as bytes (a PDF, say), checking it is a 200."""
        request = urllib.request.Request(self.server + path)  # noqa: S310
        request.add_header("Authorization", f"Bearer {self.token}")
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            assert response.status == 200, response.status
            return bytes(response.read())

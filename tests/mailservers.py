"""Real mail servers for the suite: an IMAP server (pymap, a pure-Python IMAP4rev1 server from
PyPI, a dev dependency installed by `make install-python`) started once per test session, and
helpers to deliver mail into it over IMAP APPEND, as a mail server's delivery would.

pymap's in-memory ("dict") backend has one user; each test reads its own folder, so tests and
xdist workers never see each other's mail.
"""

from __future__ import annotations

import imaplib
import secrets
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass(frozen=True)
class ImapServer:
    host: str
    port: int
    username: str
    password: str

    def connect(self) -> imaplib.IMAP4:
        client = imaplib.IMAP4(self.host, self.port, timeout=10)
        client.login(self.username, self.password)
        return client

    def new_folder(self) -> str:
        """A fresh, empty folder for one test."""
        name = f"t{uuid.uuid4().hex[:12]}"
        client = self.connect()
        try:
            status, _ = client.create(name)
            assert status == "OK"
        finally:
            client.logout()
        return name

    def deliver(self, folder: str, raw: bytes) -> None:
        client = self.connect()
        try:
            status, data = client.append(folder, None, None, raw)
            assert status == "OK", data
        finally:
            client.logout()

    def flags(self, folder: str) -> list[bytes]:
        client = self.connect()
        try:
            client.select(folder)
            _, data = client.uid("FETCH", "1:*", "(FLAGS)")
            return [d for d in data if isinstance(d, bytes)]
        finally:
            client.logout()


@pytest.fixture(scope="session")
def imap_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ImapServer]:
    port = free_port()
    password = secrets.token_urlsafe(12)
    log = tmp_path_factory.mktemp("imap") / "pymap.log"
    with Path(log).open("wb") as out:
        process = subprocess.Popen(
            [
                str(Path(sys.executable).with_name("pymap")),
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--no-tls",
                "dict",
                "--demo-data",
                "--demo-user",
                "keyi",
                "--demo-password",
                password,
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"IMAP server did not start: {log.read_text()}") from None
                time.sleep(0.05)
        yield ImapServer("127.0.0.1", port, "keyi", password)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


@contextmanager
def smtp_maildir(directory: Path) -> Iterator[tuple[int, Path]]:
    """A real SMTP server (aiosmtpd from PyPI) in its own process, storing every message it
    receives in a Maildir: (its port on 127.0.0.1, the Maildir)."""
    port = free_port()
    maildir = directory / "maildir"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "aiosmtpd",
            "-n",
            "-l",
            f"127.0.0.1:{port}",
            "-c",
            "aiosmtpd.handlers.Mailbox",
            str(maildir),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("SMTP server did not start") from None
                time.sleep(0.1)
        yield port, maildir
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()

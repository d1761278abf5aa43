"""The archive file: a zip of one JSON Lines file per table and a ``manifest.json``.

The manifest is self-describing (format version, Keyi version, tenant migration revision,
every table with its columns, row count and the SHA-256 of its file) and is written last, so a
half-written archive has none and is refused. Members are streamed in and out — a table is
never held in memory — and zip's own CRC plus the manifest's checksums catch a flipped byte.
"""

from __future__ import annotations

import hashlib
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import orjson

from keyi.platform.backup.errors import BackupRefused

FORMAT = "keyi-tenant-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
CHUNK = 1 << 20


@dataclass
class TableEntry:
    """One table of the archive: where it came from (``system``, ``object`` or ``control``)."""

    name: str
    part: str
    columns: list[list[str]]  # [name, kind]
    file: str
    rows: int = 0
    sha256: str = ""

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "part": self.part,
            "columns": self.columns,
            "file": self.file,
            "rows": self.rows,
            "sha256": self.sha256,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TableEntry:
        return cls(
            name=str(data["name"]),
            part=str(data["part"]),
            columns=[[str(n), str(k)] for n, k in data["columns"]],
            file=str(data["file"]),
            rows=int(data["rows"]),
            sha256=str(data["sha256"]),
        )

    @property
    def column_names(self) -> list[str]:
        return [name for name, _kind in self.columns]


@dataclass
class Manifest:
    keyi_version: str
    revision: str
    created_at: str
    tenant: dict[str, Any]
    secrets: dict[str, Any]
    tables: list[TableEntry] = field(default_factory=list)
    format_version: int = FORMAT_VERSION
    search_storage: str = ""  # the database whose search index the ``search`` part holds

    def as_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "format_version": self.format_version,
            "keyi_version": self.keyi_version,
            "revision": self.revision,
            "created_at": self.created_at,
            "tenant": self.tenant,
            "secrets": self.secrets,
            "search_storage": self.search_storage,
            "tables": [t.as_json() for t in self.tables],
        }

    def table(self, part: str, name: str) -> TableEntry | None:
        for entry in self.tables:
            if entry.part == part and entry.name == name:
                return entry
        return None

    def part(self, part: str) -> list[TableEntry]:
        return [t for t in self.tables if t.part == part]


class _HashingWriter:
    """A member being written, counting its rows and hashing its bytes."""

    def __init__(self, stream: IO[bytes]) -> None:
        self._stream = stream
        self._hash = hashlib.sha256()
        self.rows = 0

    def write_line(self, line: bytes) -> None:
        self._hash.update(line)
        self._stream.write(line)
        self.rows += 1

    def write_lines(self, lines: list[bytes]) -> None:
        data = b"".join(lines)
        self._hash.update(data)
        self._stream.write(data)
        self.rows += len(lines)

    @property
    def sha256(self) -> str:
        return self._hash.hexdigest()


class ArchiveWriter:
    """Writes the archive to a temporary name, renamed into place only once complete."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._partial = path.with_name(f".{path.name}.partial")
        self._zip = zipfile.ZipFile(
            self._partial, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1
        )

    def table(self, entry: TableEntry) -> _TableContext:
        return _TableContext(self._zip, entry)

    def finish(self, manifest: Manifest) -> None:
        self._zip.writestr(MANIFEST, orjson.dumps(manifest.as_json(), option=orjson.OPT_INDENT_2))
        self._zip.close()
        self._partial.replace(self.path)

    def abort(self) -> None:
        self._zip.close()
        self._partial.unlink(missing_ok=True)


class _TableContext:
    def __init__(self, archive: zipfile.ZipFile, entry: TableEntry) -> None:
        self._archive = archive
        self._entry = entry
        self._stream: IO[bytes] | None = None
        self.writer: _HashingWriter | None = None

    def __enter__(self) -> _HashingWriter:
        self._stream = self._archive.open(self._entry.file, "w", force_zip64=True)
        self.writer = _HashingWriter(self._stream)
        return self.writer

    def __exit__(self, *exc: object) -> None:
        assert self._stream is not None and self.writer is not None
        self._stream.close()
        self._entry.rows = self.writer.rows
        self._entry.sha256 = self.writer.sha256


class ArchiveReader:
    """An archive opened for restore; `verify` reads every member before anything is changed."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self._zip = zipfile.ZipFile(path, "r")
            raw = self._zip.read(MANIFEST)
        except FileNotFoundError:
            raise BackupRefused("archive_missing", f"no such file: {path}") from None
        except (zipfile.BadZipFile, KeyError, OSError, EOFError) as exc:
            raise BackupRefused(
                "archive_corrupt", f"{path} is not a complete Keyi backup ({exc})"
            ) from None
        try:
            data = orjson.loads(raw)
            if data.get("format") != FORMAT:
                raise ValueError("not a Keyi tenant backup")
            self.manifest = Manifest(
                keyi_version=str(data["keyi_version"]),
                revision=str(data["revision"]),
                created_at=str(data["created_at"]),
                tenant=dict(data["tenant"]),
                secrets=dict(data["secrets"]),
                tables=[TableEntry.from_json(t) for t in data["tables"]],
                format_version=int(data["format_version"]),
                search_storage=str(data.get("search_storage") or ""),
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise BackupRefused("archive_corrupt", f"unreadable manifest: {exc}") from None

    def close(self) -> None:
        self._zip.close()

    def verify(self) -> None:
        """Every table file present, with the manifest's checksum and row count."""
        names = set(self._zip.namelist())
        for entry in self.manifest.tables:
            if entry.file not in names:
                raise BackupRefused("archive_corrupt", f"{entry.file} is missing from the archive")
            digest = hashlib.sha256()
            lines = 0
            try:
                with self._zip.open(entry.file) as stream:
                    while chunk := stream.read(CHUNK):
                        digest.update(chunk)
                        lines += chunk.count(b"\n")
            except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
                raise BackupRefused("archive_corrupt", f"{entry.file}: {exc}") from None
            if digest.hexdigest() != entry.sha256:
                raise BackupRefused("archive_corrupt", f"{entry.file}: checksum mismatch")
            if lines != entry.rows:
                raise BackupRefused(
                    "archive_corrupt", f"{entry.file}: {lines} rows, manifest says {entry.rows}"
                )

    def rows(self, entry: TableEntry) -> Iterator[list[Any]]:
        """The table's rows, one parsed JSON array at a time."""
        with self._zip.open(entry.file) as stream:
            for line in stream:
                yield orjson.loads(line)

"""The package file: a zip of YAML files people can read and review in a pull request.

    manifest.yaml            format, format_version, name, keyi_version, source_tenant,
                             exported_at, packages (the standard packages it needs), items
    objects/<name>.yaml      an object as the standard packages write theirs
    flows/<name>.yaml, approvals/<name>.yaml, list_views/…, report_folders/…, reports/…,
    dashboards/…             one item per file

A file that is not such a zip, a newer format, or an item that does not parse is refused
whole, naming the file, before anything is compared or changed.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from typing import Any

import yaml

from keyi.configpkg.items import FOLDERS, KINDS, Item, file_name
from keyi.platform.errors import FieldError, ValidationFailed

FORMAT = "keyi-config-package"
FORMAT_VERSION = 1
MAX_ENTRIES = 5000
MAX_UNPACKED = 50 * 1024 * 1024  # a zip bomb stops here, not in memory
NAME_KEYED = frozenset({"object", "flow", "approval"})


@dataclass(frozen=True)
class ConfigPackage:
    manifest: dict[str, Any]
    items: tuple[Item, ...]

    @property
    def name(self) -> str:
        return str(self.manifest.get("name") or "")

    @property
    def packages(self) -> list[str]:
        return [str(p) for p in self.manifest.get("packages") or []]


def _dump(data: Any) -> bytes:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100).encode("utf-8")


def write_archive(package: ConfigPackage) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.yaml", _dump(package.manifest))
        for index, item in enumerate(package.items):
            archive.writestr(file_name(item, index), _dump(item.content))
    return buffer.getvalue()


def _refuse(code: str, **params: Any) -> ValidationFailed:
    return ValidationFailed([FieldError("file", code, params)])


def read_archive(content: bytes) -> ConfigPackage:
    """The package in ``content``, or a ValidationFailed on ``file`` saying what is wrong."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        entries = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise _refuse("invalid_package", reason="not a zip file") from None
    if len(entries) > MAX_ENTRIES or sum(e.file_size for e in entries) > MAX_UNPACKED:
        raise _refuse("invalid_package", reason="too large")
    by_folder = {folder: kind for kind, folder in FOLDERS.items()}
    manifest: Any = None
    items: list[tuple[int, str, Item]] = []
    with archive:
        for entry in entries:
            if entry.is_dir():
                continue
            try:
                data = yaml.safe_load(archive.read(entry).decode("utf-8"))
            except (yaml.YAMLError, UnicodeDecodeError, zipfile.BadZipFile, OSError):
                raise _refuse("invalid_package", reason=f"{entry.filename} does not read") from None
            if entry.filename == "manifest.yaml":
                manifest = data
                continue
            folder, _, _ = entry.filename.partition("/")
            kind = by_folder.get(folder)
            if kind is None or not isinstance(data, dict):
                raise _refuse("invalid_package", reason=f"{entry.filename}: unknown item")
            key = data.get("name") if kind in NAME_KEYED else data.get("key")
            if not isinstance(key, str) or not key:
                raise _refuse("invalid_package", reason=f"{entry.filename}: no name or key")
            items.append((KINDS.index(kind), entry.filename, Item(kind, key, data)))
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise _refuse("invalid_package", reason="manifest.yaml missing or not a Keyi package")
    version = manifest.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise _refuse("package_too_new", version=str(version), supported=FORMAT_VERSION)
    if not isinstance(manifest.get("name"), str) or not manifest["name"].strip():
        raise _refuse("invalid_package", reason="manifest.yaml names no package")
    seen: set[str] = set()
    for _, filename, item in items:
        if item.ident in seen:
            raise _refuse("invalid_package", reason=f"{filename}: {item.ident} twice")
        seen.add(item.ident)
    items.sort(key=lambda t: (t[0], t[1]))
    return ConfigPackage(manifest, tuple(item for _, _, item in items))

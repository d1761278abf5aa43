"""The configuration package file (keyi.configpkg.archive): written and read back, and every
kind of bad file refused on `file` before anything is compared."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import pytest
import yaml

from keyi.configpkg.archive import FORMAT, ConfigPackage, read_archive, write_archive
from keyi.configpkg.items import Item
from keyi.platform.errors import ValidationFailed

MANIFEST = {"format": FORMAT, "format_version": 1, "name": "demo", "packages": ["sales"]}
ITEMS = (
    Item("object", "warranty", {"name": "warranty", "labels": {"en": "Warranty"}}),
    Item("report", "销售/By stage", {"key": "销售/By stage", "folder": "销售", "name": {}}),
    Item("flow", "notes", {"name": "notes", "labels": {"zh-CN": "备注"}}),
)


def zipped(files: dict[str, Any]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            text = data if isinstance(data, str) else yaml.safe_dump(data, allow_unicode=True)
            archive.writestr(name, text)
    return buffer.getvalue()


def refusal(content: bytes) -> tuple[str, dict[str, Any]]:
    with pytest.raises(ValidationFailed) as caught:
        read_archive(content)
    (error,) = caught.value.errors
    assert error.field == "file"
    return error.code, error.params


def test_a_package_reads_back_as_written_in_install_order() -> None:
    content = write_archive(ConfigPackage(MANIFEST, ITEMS))
    names = zipfile.ZipFile(io.BytesIO(content)).namelist()
    assert names == [
        "manifest.yaml",
        "objects/warranty.yaml",
        "reports/001-销售-By-stage.yaml",
        "flows/notes.yaml",
    ]
    package = read_archive(content)
    assert package.manifest == MANIFEST and package.name == "demo"
    assert [i.ident for i in package.items] == [i.ident for i in ITEMS]
    assert package.items[1].content == ITEMS[1].content


def test_bad_files_are_refused_naming_why() -> None:
    assert refusal(b"not a zip") == ("invalid_package", {"reason": "not a zip file"})
    assert refusal(zipped({"objects/a.yaml": {"name": "a"}}))[0] == "invalid_package"
    newer = {**MANIFEST, "format_version": 2}
    assert refusal(zipped({"manifest.yaml": newer})) == (
        "package_too_new",
        {"version": "2", "supported": 1},
    )
    unknown = zipped({"manifest.yaml": MANIFEST, "secrets/keys.yaml": {"key": "x"}})
    assert "unknown item" in refusal(unknown)[1]["reason"]
    twice = zipped(
        {"manifest.yaml": MANIFEST, "flows/a.yaml": {"name": "a"}, "flows/b.yaml": {"name": "a"}}
    )
    assert "flow:a twice" in refusal(twice)[1]["reason"]
    broken = zipped({"manifest.yaml": MANIFEST, "flows/a.yaml": "name: [unclosed"})
    assert "does not read" in refusal(broken)[1]["reason"]

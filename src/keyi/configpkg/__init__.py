"""Configuration packages: a tenant's customisations (objects, fields, layouts, rules, list
views, flows, approval processes, reports and dashboards) exported as a file and installed into
another tenant — the sandbox → production path — with a dry-run diff first.

Never data records, users, secrets or API keys: references to people, roles, teams and
departments travel as email, name and name path (keyi.configpkg.refs).
"""

from __future__ import annotations

from keyi.configpkg.archive import ConfigPackage, read_archive, write_archive
from keyi.configpkg.service import Diff, Entry, export_package, install, preview
from keyi.platform.i18n import MESSAGES

MESSAGES.update(
    {
        "invalid_package": {
            "en": "Not a configuration package: {reason}.",
            "zh-CN": "不是有效的配置包：{reason}。",
        },
        "package_too_new": {
            "en": "The package's format version {version} is newer than this Keyi reads "
            "({supported}); upgrade Keyi first.",
            "zh-CN": "配置包格式版本 {version} 高于本系统支持的版本（{supported}），请先升级客易。",
        },
        "config_package_refused": {
            "en": "The configuration package cannot be installed; nothing was changed: {summary}",
            "zh-CN": "配置包无法安装，未做任何更改：{summary}",
        },
    }
)

__all__ = [
    "ConfigPackage",
    "Diff",
    "Entry",
    "export_package",
    "install",
    "preview",
    "read_archive",
    "write_archive",
]

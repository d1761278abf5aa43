"""Error message codes mean one thing: a package cannot silently redefine another's."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import keyi
from keyi.platform.i18n import MESSAGES, MessageCatalogue


def test_a_code_defined_differently_is_refused_and_the_same_text_is_not() -> None:
    catalogue = MessageCatalogue({"taken": {"en": "Taken.", "zh-CN": "已占用。"}})
    catalogue.update({"taken": {"en": "Taken.", "zh-CN": "已占用。"}})  # a module imported twice
    with pytest.raises(ValueError, match="taken"):
        catalogue.update({"taken": {"en": "Something else.", "zh-CN": "别的。"}})
    assert catalogue["taken"]["en"] == "Taken."


def test_every_module_imports_without_redefining_a_message() -> None:
    """Importing every module (in one order) registers every package's messages."""
    for module in pkgutil.walk_packages(keyi.__path__, "keyi."):
        importlib.import_module(module.name)
    assert MESSAGES["already_member"]["en"] == "{name} is already a member of this campaign."
    assert MESSAGES["already_on_list"]["en"] == "Already a member of this segment."

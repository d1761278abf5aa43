"""Fields a package's hooks derive from other fields, declared so that access follows them.

A before-save hook may copy or spell other values into a field of its own (a sales target's
name holds the rep's name, its uniqueness key the rep's id). A reader from whom the role hides
the source must not read the copy either, or the mask is undone by one column. The core
contract declares its own derived fields (keyi.platform.contract); packages declare theirs here
when their hooks load, and keyi.platform.metadata.dependencies adds both to the graph of
computed values that field masks follow (keyi.platform.access.masks).

A leaf module: the hooks registry and the dependency graph both import it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

# (object, field) → reference paths of the formula language (``user``, ``user.name``).
_DECLARED: dict[tuple[str, str], tuple[str, ...]] = {}


def declare(object_name: str, field_name: str, from_paths: Iterable[str]) -> None:
    """``object_name.field_name`` is derived from ``from_paths`` (a module imported twice
    declares the same again: the last declaration stands)."""
    _DECLARED[(object_name, field_name)] = tuple(from_paths)


def declared() -> Iterator[tuple[str, str, tuple[str, ...]]]:
    """``(object, field, reference paths)`` of every declared derived field."""
    for (object_name, field_name), paths in _DECLARED.items():
        yield object_name, field_name, paths

"""The one table of functions and operators, shared by the parser, the Python evaluator, the SQL
compiler and type inference. Adding a function means adding one row with both implementations."""

from __future__ import annotations

from types import MappingProxyType

from keyi.platform.expressions import (
    lib_codes,
    lib_dates,
    lib_logic,
    lib_math,
    lib_operators,
    lib_text,
)
from keyi.platform.expressions.spec import Spec


def _build() -> dict[str, Spec]:
    table: dict[str, Spec] = {}
    for module in (lib_operators, lib_logic, lib_math, lib_text, lib_dates, lib_codes):
        for spec in module.SPECS:
            if spec.name in table:  # pragma: no cover - guards against copy-paste mistakes
                raise RuntimeError(f"duplicate expression function {spec.name}")
            table[spec.name] = spec
    return table


SPECS = MappingProxyType(_build())
#: Names callable in source text (case-insensitive; stored upper-case).
FUNCTION_NAMES = frozenset(name for name, spec in SPECS.items() if spec.is_function)
#: Functions the SQL compiler cannot express.
PYTHON_ONLY = frozenset(name for name, spec in SPECS.items() if spec.sql is None)

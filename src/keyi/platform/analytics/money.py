"""Money in reports: amounts of several currencies summed in the tenant's currency.

A report (and the aggregate API) converts each amount of a currency field into the tenant's
currency (``settings["currency"]``) with the tenant's exchange rates before it sums, averages
or compares it (keyi.platform.query.aggregate.Conversion does it in SQL). Where the rates come
from is a package's business: the lead-to-cash package keeps them as ``exchange_rate`` records.

Why a registry rather than reading an ``exchange_rate`` object by name, as the package's own
receivables do: the platform knows no object names (docs: "the platform never imports a
package"; a special case for one object name is what PACKAGES.md rules out). A package
registers a function giving "the rates for this tenant on this day" under its name, and it
serves only tenants that installed the package, as its hooks do; a tenant with several such
packages gets the first package's rate for a currency. A tenant without any has no rates: its
money in other currencies is reported as missing a rate, never guessed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from keyi.platform.hooks import installed_packages
from keyi.platform.query.aggregate import Conversion

if TYPE_CHECKING:
    from keyi.platform.context import Context

DEFAULT_CURRENCY = "CNY"

RateSource = Callable[["Context", date], Mapping[str, Decimal]]
"""Units of the tenant's currency per unit of each currency, valid on the day."""


class ExchangeRateRegistry:
    """Rate sources per package; one installation-wide instance, filled at import."""

    def __init__(self) -> None:
        self._sources: list[tuple[str, RateSource]] = []

    def register(self, package: str, source: RateSource) -> RateSource:
        if (package, source) not in self._sources:  # a module imported twice
            self._sources.append((package, source))
        return source

    def rates(self, ctx: Context, day: date) -> dict[str, Decimal]:
        installed = installed_packages(ctx)
        found: dict[str, Decimal] = {}
        for package, source in self._sources:
            if package in installed:
                for code, rate in source(ctx, day).items():
                    found.setdefault(code, rate)
        return found


registry = ExchangeRateRegistry()


def tenant_currency(ctx: Context) -> str:
    return str(ctx.settings.get("currency") or DEFAULT_CURRENCY)


def conversion(ctx: Context) -> Conversion:
    """Money in the tenant's currency at today's rates (the latest valid today), read from the
    packages only if a money aggregate is computed."""
    return Conversion(tenant_currency(ctx), lambda: registry.rates(ctx, ctx.today()))

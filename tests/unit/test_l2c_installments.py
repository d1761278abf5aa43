"""Splitting a contract amount into installments: exact to the cent, errors on installments."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from keyi.packages.l2c.collections import Installment, split
from keyi.platform.errors import ValidationFailed

DAY = date(2027, 1, 31)


def test_percent_split_gives_the_rounding_remainder_to_the_last_installment() -> None:
    parts = [Installment(DAY, percent=Decimal(p)) for p in ("33.33", "33.33", "33.34")]
    amounts = split(Decimal("100000.01"), "percent", parts)
    assert amounts == [Decimal("33330.00"), Decimal("33330.00"), Decimal("33340.01")]
    assert sum(amounts) == Decimal("100000.01")


def test_thirds_of_a_hundred() -> None:
    parts = [Installment(DAY, percent=Decimal(p)) for p in ("30", "30", "40")]
    assert split(Decimal("99.99"), "percent", parts) == [
        Decimal("30.00"),  # 29.997 half up
        Decimal("30.00"),
        Decimal("39.99"),
    ]


def test_amounts_must_add_up_to_the_contract() -> None:
    parts = [Installment(DAY, amount=Decimal("50000")), Installment(DAY, amount=Decimal("49999"))]
    with pytest.raises(ValidationFailed) as caught:
        split(Decimal("100000"), "amount", parts)
    (error,) = caught.value.errors
    assert (error.field, error.code) == ("installments", "installments_sum")
    assert error.params == {"total": "99999", "amount": "100000"}


def test_percents_must_add_up_to_a_hundred_and_be_positive() -> None:
    with pytest.raises(ValidationFailed) as caught:
        split(Decimal("10"), "percent", [Installment(DAY, percent=Decimal("90"))])
    assert [e.code for e in caught.value.errors] == ["installments_sum"]
    with pytest.raises(ValidationFailed) as caught:
        split(
            Decimal("10"),
            "percent",
            [Installment(DAY, percent=Decimal("100")), Installment(DAY)],
        )
    assert [(e.field, e.code) for e in caught.value.errors] == [
        ("installments.1.percent", "required")
    ]
    with pytest.raises(ValidationFailed) as caught:
        split(Decimal("10"), "amount", [])
    assert [(e.field, e.code) for e in caught.value.errors] == [("installments", "required")]

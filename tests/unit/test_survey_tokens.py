"""Survey link tokens: signed, bound to one company and survey, expiring; any change fails."""

from __future__ import annotations

import base64
from datetime import datetime, timedelta

import pytest

from keyi.packages.service.surveys import SurveyClosed, make_token, read_token
from keyi.platform.crypto import SecretBox
from keyi.platform.errors import NotFound

TENANT = "01939f3e-0000-7000-8000-000000000001"
SURVEY = "01939f3e-0000-7000-8000-0000000000aa"
NOW = datetime(2026, 12, 7, 8, 0, 0)
BOX = SecretBox.from_passphrase("test-key")


def test_a_token_reads_back_its_company_and_survey_until_it_expires() -> None:
    token = make_token(BOX, TENANT, SURVEY, NOW + timedelta(days=30))
    assert len(token) < 80 and token.isascii() and "=" not in token
    assert read_token(BOX, token, now=NOW) == (TENANT, SURVEY)
    assert read_token(BOX, token, now=NOW + timedelta(days=29, hours=23)) == (TENANT, SURVEY)
    with pytest.raises(SurveyClosed) as closed:
        read_token(BOX, token, now=NOW + timedelta(days=30))
    assert closed.value.code == "survey_expired"


def test_every_changed_byte_and_another_key_are_refused() -> None:
    token = make_token(BOX, TENANT, SURVEY, NOW + timedelta(days=30))
    raw = bytearray(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    for i in range(len(raw)):
        changed = bytearray(raw)
        changed[i] ^= 0x01
        forged = base64.urlsafe_b64encode(bytes(changed)).rstrip(b"=").decode()
        with pytest.raises(NotFound) as refused:
            read_token(BOX, forged, now=NOW)
        assert refused.value.code == "survey_invalid", i
    other = SecretBox.from_passphrase("another-installation")
    for bad in (token[:-1], token + "A", "", "!!!!", make_token(other, TENANT, SURVEY, NOW)):
        with pytest.raises(NotFound):
            read_token(BOX, bad, now=NOW)


def test_the_signature_key_is_per_purpose() -> None:
    assert BOX.mac("service.survey", b"x") != BOX.mac("other.purpose", b"x")
    assert BOX.mac("service.survey", b"x") == SecretBox.from_passphrase("test-key").mac(
        "service.survey", b"x"
    )

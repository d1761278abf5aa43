"""Password policy: long enough, not common, not guessable, not the person's own name or email.

Guessability is judged by zxcvbn (Dropbox's estimator, Python port pinned in pyproject): it
matches against real frequency lists (leaked passwords, common words, names, keyboard
patterns, dates, sequences) and estimates the guesses an attacker needs. A hand-kept list of
a dozen passwords, as before, misses almost all of them.

Each refusal is a field error on `password` with its own code, so a form can say exactly why.
"""

from __future__ import annotations

import re
import unicodedata

from zxcvbn import zxcvbn

from keyi.platform.errors import FieldError, ValidationFailed

MIN_PASSWORD_LENGTH = 8
# Long passphrases are welcome; past this the estimator gets slow and nothing is gained.
MAX_PASSWORD_LENGTH = 256
# zxcvbn's scores: 0-1 fall to an online attack within hours, 2 (< 10^8 guesses) to a modest
# offline one; 3 and up is "safely unguessable" for a throttled, hashed login like ours.
MIN_SCORE = 3
# Parts of an email or name shorter than this are too common to refuse (e.g. "li", "wu").
MIN_PERSONAL_PART = 3
_SPLIT = re.compile(r"[\s._+\-@]+")
_CJK = re.compile(r"[\u3400-\u9fff]")


def _personal_words(email: str | None, name: str | None) -> list[str]:
    """The email, its local part and that part's pieces, and the name and its pieces.

    The domain's pieces are left out: "com" or "example" would refuse half the dictionary."""
    words: set[str] = {email.strip().lower()} if email else set()
    for raw in (email.split("@")[0] if email else None, name):
        if not raw:
            continue
        text = raw.strip().lower()
        words.add(text)
        words.update(_SPLIT.split(text))
    # A Chinese name is short but specific: two characters are enough to refuse.
    return sorted(
        w for w in words if len(w) >= MIN_PERSONAL_PART or (len(w) >= 2 and _CJK.search(w))
    )


def _has_control_characters(password: str) -> bool:
    """Control and format characters (Unicode categories Cc, Cf): invisible, easily mistyped
    or pasted by accident, and different bytes for what looks the same on screen."""
    return any(unicodedata.category(c) in ("Cc", "Cf") for c in password)


def password_problems(
    password: str, *, email: str | None = None, name: str | None = None
) -> list[FieldError]:
    """Every reason the password is refused (empty when it is acceptable)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return [FieldError("password", "too_short", {"min": MIN_PASSWORD_LENGTH})]
    if len(password) > MAX_PASSWORD_LENGTH:
        return [FieldError("password", "too_long", {"max": MAX_PASSWORD_LENGTH})]
    if _has_control_characters(password):
        return [FieldError("password", "password_control_characters")]
    lowered = password.lower()
    personal = _personal_words(email, name)
    if any(word in lowered for word in personal):
        return [FieldError("password", "password_personal")]
    result = zxcvbn(password, user_inputs=personal)
    if result["score"] >= MIN_SCORE:
        return []
    sequence = result["sequence"]
    common = len(sequence) == 1 and sequence[0].get("dictionary_name") == "passwords"
    return [FieldError("password", "password_common" if common else "weak_password")]


def check_password_policy(password: str, email: str | None = None, name: str | None = None) -> None:
    """Raise a 422 naming `password` when the policy refuses it."""
    problems = password_problems(password, email=email, name=name)
    if problems:
        raise ValidationFailed(problems)

"""Which objects hold people, and which of their fields are personal data.

PIPL and GDPR give a person the right to a copy of what is held about them and to its
erasure. Keyi cannot know from a field's type alone whether it describes a person, so the rule
is a default plus what packages declare:

* an object is a *person object* when a package registers it (sales registers ``contact`` and
  ``lead``); only those can be exported or erased through keyi.platform.privacy;
* its personal fields are every text, long text, email, phone, URL and date field — custom
  fields included, since an administrator adding "身份证号" or "家庭住址" should not have to
  remember to tick a box — *except* the fields the package marks as not personal (a lead's
  company name and its credit code describe the company; UTM parameters describe the campaign),
  plus any field it marks as personal beyond the default (a contact's gender, a picklist);
* never personal: system fields, lookups (the links stay so opportunities keep their contact),
  numbers, booleans, date-times (when consent was recorded is the evidence an erasure keeps),
  formulas and roll-ups (computed, not stored), auto-numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from keyi.platform.metadata.model import FieldDef, FieldType
from keyi.platform.schema import CompiledObject

PERSONAL_TYPES = frozenset(
    {
        FieldType.TEXT,
        FieldType.LONG_TEXT,
        FieldType.EMAIL,
        FieldType.PHONE,
        FieldType.URL,
        FieldType.DATE,
    }
)
# Where a person object says "do not contact": set on erasure so nothing is ever sent again.
OPT_OUT_FIELDS = ("email_opt_out", "sms_opt_out")
ERASED_NAME = {"zh-CN": "已删除的个人信息", "en": "Erased person"}


@dataclass(frozen=True)
class PersonObject:
    name: str
    non_personal: frozenset[str] = field(default_factory=frozenset)
    personal: frozenset[str] = field(default_factory=frozenset)


_PERSONS: dict[str, PersonObject] = {}


def register_person(
    object_name: str, *, non_personal: set[str] | None = None, personal: set[str] | None = None
) -> None:
    """Declare ``object_name`` a person object (a package's hooks module calls this)."""
    _PERSONS[object_name] = PersonObject(
        object_name, frozenset(non_personal or ()), frozenset(personal or ())
    )


def person_object(object_name: str) -> PersonObject | None:
    return _PERSONS.get(object_name)


def personal_fields(obj: CompiledObject, person: PersonObject) -> list[FieldDef]:
    """The fields an erasure clears (the name field among them, which it renames)."""
    found = []
    for f in obj.definition.fields:
        if f.system or f.name in person.non_personal:
            continue
        if f.name in person.personal or f.type in PERSONAL_TYPES:
            found.append(f)
    return found

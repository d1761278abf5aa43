"""Deterministic generation of one demo account and everything hanging off it.

Account number ``k`` (0, 1, 2, ... in creation order) is generated from its own random stream
seeded by ``(seed, k)``, so the data of account 1234 is the same whether the company was created
with 2,000 accounts at once or topped up from 1,000 — and a million accounts need no state beyond
the index. Values are plain JSON-like input for the records service (which coerces and validates
them); links between records of one bundle are local indexes resolved to ids once the parents
exist (see :mod:`keyi.demo.seed`).
"""

from __future__ import annotations

import bisect
import itertools
import math
import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from functools import cache
from typing import Any, TypeVar

from keyi.demo import words as w
from keyi.demo.regions import PROVINCES, City, Province

T = TypeVar("T")
CHINA_TZ = timezone(timedelta(hours=8))
GROUP_EVERY = 50  # account k with k % 50 == 0 is a group; the next two are its subsidiaries
SUBSIDIARIES = 2
ADMIN_TODAY_EVERY = 20  # every 20th account gives the administrator a task due today
POOL_EVERY, POOL_AT = 16, 5  # account k with k % 16 == 5 sits unowned in the public pool


class Picker:
    """Weighted choice with precomputed cumulative weights (random.choices re-sums each call)."""

    def __init__(
        self, items: list[Any] | tuple[Any, ...], weights: list[float] | tuple[float, ...]
    ) -> None:
        if len(items) != len(weights) or not items:
            raise ValueError("items and weights must be non-empty and of equal length")
        self.items = list(items)
        self.cum = list(itertools.accumulate(weights))
        self.total = self.cum[-1]

    def __call__(self, rng: random.Random) -> Any:
        return self.items[bisect.bisect_right(self.cum, rng.random() * self.total)]


PROVINCE = Picker(PROVINCES, [p.weight for p in PROVINCES])
INDUSTRY = Picker(list(w.INDUSTRY_WEIGHTS), list(w.INDUSTRY_WEIGHTS.values()))
SURNAME = Picker(w.SURNAMES, [1.0 / (rank + 6) for rank in range(len(w.SURNAMES))])
LEGAL_SUFFIX = Picker([s for s, _ in w.LEGAL_SUFFIXES], [n for _, n in w.LEGAL_SUFFIXES])
GRADE = Picker(["A", "B", "C", "D"], [10, 30, 45, 15])
ACCOUNT_TYPE = Picker(["customer", "prospect", "partner", "competitor"], [45, 45, 7, 3])
SOURCE = Picker(
    ["website", "referral", "exhibition", "cold_call", "advertising", "partner", "other"],
    [22, 18, 16, 14, 10, 14, 6],
)
CONTACT_COUNT = Picker([1, 2, 3, 4], [35, 40, 15, 10])  # mean 2.0
OPPORTUNITY_COUNT = Picker([0, 1, 2, 3, 4], [20, 35, 25, 12, 8])  # mean 1.53
ACTIVITY_COUNT = Picker([1, 2, 3, 4, 5, 6], [12, 22, 30, 18, 10, 8])  # mean 3.16
LEAD_COUNT = Picker([0, 1, 2], [60, 30, 10])  # mean 0.5
OPEN_STAGE = Picker(
    ["prospecting", "qualification", "proposal", "negotiation", "commitment"], [22, 24, 22, 17, 15]
)
OLD_OUTCOME = Picker(["won", "lost", "open"], [50, 35, 15])
RECENT_OUTCOME = Picker(["won", "lost", "open"], [30, 20, 50])
LOST_REASON = Picker(
    ["price", "competitor", "no_budget", "no_decision", "other"], [30, 30, 18, 15, 7]
)
OPP_TYPE = Picker(["new_business", "upsell", "renewal"], [55, 25, 20])
PIPELINE = Picker(["standard", "project"], [75, 25])
ACTIVITY_TYPE = Picker(["task", "call", "visit", "note", "email"], [40, 25, 18, 12, 5])
PAST_STATUS = Picker(["completed", "open", "cancelled"], [78, 17, 5])
PRIORITY = Picker(["high", "normal", "low"], [20, 65, 15])
LEAD_STATUS = Picker(
    ["new", "contacted", "qualified", "unqualified", "converted"], [30, 25, 15, 15, 15]
)
RATING = Picker(["hot", "warm", "cold", None], [20, 35, 30, 15])
TAGS = Picker(
    [[], ["key_account"], ["strategic", "key_account"], ["high_potential"], ["at_risk"]],
    [70, 10, 5, 10, 5],
)

_FEMALE_CHARS = tuple(c for c in w.GIVEN_CHARS if c[2] in ("f", "n"))
_MALE_CHARS = tuple(c for c in w.GIVEN_CHARS if c[2] in ("m", "n"))

ZONES: dict[str, tuple[str, ...]] = {
    "深圳": ("前海", "南山"),
    "上海": ("张江", "临港", "浦江"),
    "北京": ("中关村", "亦庄"),
    "天津": ("滨海",),
    "广州": ("南沙",),
    "重庆": ("两江",),
    "成都": ("天府",),
    "武汉": ("光谷",),
    "西安": ("高新",),
    "杭州": ("滨江",),
    "苏州": ("金鸡湖",),
}


@dataclass(frozen=True)
class Person:
    name: str
    login: str  # ascii local part for e-mails
    gender: str  # male | female
    english: bool


@dataclass
class Bundle:
    """One account and its children; ``_``-prefixed keys are local links resolved by the seeder."""

    index: int
    account: dict[str, Any]
    parent_index: int | None = None
    contacts: list[dict[str, Any]] = field(default_factory=list)
    opportunities: list[dict[str, Any]] = field(default_factory=list)
    activities: list[dict[str, Any]] = field(default_factory=list)
    leads: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class Mix:
    """Which children to generate per account (benchmarks may want accounts only)."""

    contacts: bool = True
    opportunities: bool = True
    activities: bool = True
    leads: bool = True
    # Business documents the installed packages add to the opportunities (lead-to-cash:
    # quotes, contracts, payment plans and payments), see keyi.demo.deals.
    documents: bool = True


FULL = Mix()


@dataclass(frozen=True)
class Owners:
    """User ids to own records; the administrator (first) gets a somewhat larger share."""

    admin_id: str
    sales_ids: tuple[str, ...]
    # The public pool (公海) unowned accounts sit in; None: every account has an owner.
    pool_id: str | None = None

    def picker(self) -> Picker:
        ids = [self.admin_id, *self.sales_ids]
        return Picker(ids, [1.5] + [1.0] * len(self.sales_ids))


# ---------------------------------------------------------------- identifiers
_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_ORG_MULTIPLIER = 73_939_133  # coprime with 10**8: k -> organisation code is one-to-one


def organisation_code(k: int) -> str:
    """9-character organisation code (GB 11714 check digit), unique for k < 10**8."""
    body = f"{(k * _ORG_MULTIPLIER + 12_345_678) % 100_000_000:08d}"
    total = sum(int(ch) * weight for ch, weight in zip(body, _ORG_WEIGHTS, strict=True))
    check = 11 - total % 11
    return body + ("X" if check == 10 else "0" if check == 11 else str(check))


def credit_code(k: int, division: str, *, government: bool = False) -> str:
    """18-character unified social credit code (GB 32100-2015 check character)."""
    head = ("11" if government else "91") + division + organisation_code(k)
    total = sum(
        _USCC_CHARS.index(ch) * weight for ch, weight in zip(head, _USCC_WEIGHTS, strict=True)
    )
    return head + _USCC_CHARS[(31 - total % 31) % 31]


def is_valid_credit_code(code: str) -> bool:
    if len(code) != 18 or any(ch not in _USCC_CHARS for ch in code):
        return False
    total = sum(
        _USCC_CHARS.index(ch) * weight for ch, weight in zip(code[:17], _USCC_WEIGHTS, strict=True)
    )
    return code[17] == _USCC_CHARS[(31 - total % 31) % 31]


# ---------------------------------------------------------------- English names (faker)
@cache
def _english_pools(
    seed: int,
) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """Male and female first names, last names and catch phrases from Faker, fixed by seed."""
    from faker import Faker

    fake = Faker("en_US")
    fake.seed_instance(seed)
    male = tuple(sorted({fake.first_name_male() for _ in range(400)}))
    female = tuple(sorted({fake.first_name_female() for _ in range(400)}))
    last = tuple(sorted({fake.last_name() for _ in range(600)}))
    phrases = tuple(fake.catch_phrase() for _ in range(200))
    return male, female, last, phrases


class DemoGenerator:
    """Generates bundles for account indexes; pure apart from the (cached) faker pools."""

    def __init__(self, seed: int, today: date, owners: Owners, mix: Mix = FULL) -> None:
        self.seed = seed
        self.today = today
        self.owners = owners
        self.owner = owners.picker()
        self.mix = mix
        self.en_male, self.en_female, self.en_last, self.en_phrases = _english_pools(seed)

    def rng(self, k: int, salt: int = 0) -> random.Random:
        return random.Random((self.seed * 1_000_003 + salt) * 100_000_007 + k)

    # ------------------------------------------------------------ bundles
    def bundle(self, k: int) -> Bundle:
        rng = self.rng(k)
        bundle = self._account(k, rng)
        account = bundle.account
        owner = account["owner_id"]
        if self.owners.pool_id is not None and k % POOL_EVERY == POOL_AT:
            # Returned to the public pool: nobody owns the account; what its last rep logged
            # (contacts, deals, activities) stays theirs.
            account["owner_id"] = None
            account["pool_id"] = self.owners.pool_id
        english = account["_english"]
        contacts: list[Person] = []
        if self.mix.contacts:
            for i in range(CONTACT_COUNT(rng)):
                person, row = self._contact(rng, account, english, primary=i == 0)
                row["owner_id"] = owner if rng.random() < 0.9 else self.owner(rng)
                contacts.append(person)
                bundle.contacts.append(row)
        if self.mix.opportunities:
            for _ in range(OPPORTUNITY_COUNT(rng)):
                row = self._opportunity(rng, account, english, len(contacts))
                row["owner_id"] = owner if rng.random() < 0.85 else self.owner(rng)
                bundle.opportunities.append(row)
        if self.mix.activities:
            for _ in range(ACTIVITY_COUNT(rng)):
                row = self._activity(rng, account, english, contacts, bundle.opportunities)
                row["owner_id"] = owner if rng.random() < 0.85 else self.owner(rng)
                bundle.activities.append(row)
            if k % ADMIN_TODAY_EVERY == 0:
                row = self._activity(
                    rng, account, english, contacts, bundle.opportunities, today_task=True
                )
                row["owner_id"] = self.owners.admin_id
                bundle.activities.append(row)
        if self.mix.leads:
            for _ in range(LEAD_COUNT(rng)):
                row = self._lead(rng)
                row["owner_id"] = self.owner(rng)
                bundle.leads.append(row)
        return bundle

    # ------------------------------------------------------------ accounts
    def _group_traits(self, k0: int) -> tuple[tuple[str, str], str, Province, City]:
        """Brand, industry and home of the group whose parent account is k0."""
        rng = self.rng(k0, salt=1)
        industry = INDUSTRY(rng)
        while industry == "government":
            industry = INDUSTRY(rng)
        province = PROVINCE(rng)
        return self._brand(rng), industry, province, rng.choice(province.cities)

    def _brand(self, rng: random.Random) -> tuple[str, str]:
        if rng.random() < 0.04:
            return rng.choice(w.SHOWCASE_BRANDS)
        first = rng.choice(w.BRAND_FIRST)
        second = rng.choice(w.BRAND_SECOND)
        while second[0] == first[0]:
            second = rng.choice(w.BRAND_SECOND)
        return first[0] + second[0], first[1] + second[1]

    def _account(self, k: int, rng: random.Random) -> Bundle:
        group_k = k - k % GROUP_EVERY
        role = (
            "group"
            if k % GROUP_EVERY == 0
            else "subsidiary"
            if k % GROUP_EVERY <= SUBSIDIARIES
            else None
        )
        if role is not None:
            (brand, brand_py), industry, province, city = self._group_traits(group_k)
            if role == "subsidiary":  # subsidiaries sit elsewhere
                province = PROVINCE(rng)
                city = rng.choice(province.cities)
        else:
            industry = INDUSTRY(rng)
            province = PROVINCE(rng)
            city = rng.choice(province.cities)
            brand, brand_py = self._brand(rng)
        district_no = rng.randrange(len(city.districts))
        district = city.districts[district_no]
        division = f"{city.code}{district_no + 1:02d}"
        government = industry == "government" and role is None
        english = not government and role is None and rng.random() < 0.08

        scope_zh, scope_en = ("", "")
        if not government:
            scope_zh, scope_en = rng.choice(w.INDUSTRY_WORDS[industry])
        if government:
            unit = rng.choice(w.GOVERNMENT_UNITS)
            name = f"{city.name}{unit}"
            short = f"{city.short}{unit[:2]}"
            domain = f"{city.pinyin}.gov.cn"
        elif english:
            prefix = rng.choice(w.EN_PREFIXES)
            noun = rng.choice(w.EN_NOUNS[industry])
            suffix = rng.choice(w.EN_SUFFIXES)
            where = (
                f" ({city.pinyin.title()})" if suffix == "Co., Ltd." and rng.random() < 0.5 else ""
            )
            name = f"{prefix} {noun}{where} {suffix}"
            short = f"{prefix} {noun}"
            domain = f"{prefix}{noun}".lower().replace(" ", "") + ".com"
        elif role == "group":
            name = f"{brand}集团有限公司"
            short = f"{brand}集团"
            domain = f"{brand_py}group.com"
        else:
            suffix = "有限公司" if role == "subsidiary" else LEGAL_SUFFIX(rng)
            place = city.short if rng.random() < 0.75 or role == "subsidiary" else province.short
            zone = ""
            if role is None and city.short in ZONES and rng.random() < 0.15:
                zone = rng.choice(ZONES[city.short])
            name = f"{place}{zone}{brand}{scope_zh}{suffix}"
            short = f"{brand}{scope_zh[:2]}"
            domain = (
                f"{brand_py}-{scope_en}.com"
                if rng.random() < 0.6
                else f"{brand_py}{scope_en}.com.cn"
            )

        employees = _lognormal_int(rng, 180 if role != "group" else 2500, 1.3, 3, 200_000)
        revenue_per_head = rng.lognormvariate(math.log(600_000), 0.6)
        revenue = None if government else _round_money(employees * revenue_per_head)
        road = rng.choice(w.ROADS) + rng.choice(w.ROAD_KINDS)
        address = f"{district}{road}{rng.randrange(1, 1999)}号"
        if rng.random() < 0.4:
            building, floor, room = rng.randrange(1, 30), rng.randrange(1, 25), rng.randrange(1, 30)
            address += f"{rng.choice(w.PARKS)}{building}栋{floor}{room:02d}室"
        account: dict[str, Any] = {
            "name": name,
            "grade": "A" if role == "group" else GRADE(rng),
            "type": ACCOUNT_TYPE(rng),
            "industry": industry,
            "source": SOURCE(rng),
            "phone": _landline(rng, city),
            "email": f"{rng.choice(('info', 'contact', 'sales', 'service', 'hr'))}@{domain}",
            "website": f"https://www.{domain}",
            "credit_code": credit_code(k, division, government=government),
            "province": province.name,
            "city": city.name,
            "district": district,
            "address": address,
            "employees": employees,
            "annual_revenue": revenue,
            "owner_id": self.owner(rng),
            "_english": english,
            "_short": short,
            "_domain": domain,
        }
        tags = TAGS(rng)
        if tags:
            account["tags"] = tags
        if rng.random() < 0.35:
            account["description"] = (
                rng.choice(self.en_phrases) + "." if english else rng.choice(w.ACCOUNT_NOTES_ZH)
            )
        return Bundle(
            index=k, account=account, parent_index=group_k if role == "subsidiary" else None
        )

    # ------------------------------------------------------------ people
    def person(self, rng: random.Random, english: bool) -> Person:
        gender = "female" if rng.random() < 0.42 else "male"
        if english:
            first = rng.choice(self.en_female if gender == "female" else self.en_male)
            last = rng.choice(self.en_last)
            return Person(
                f"{first} {last}", f"{first}.{last}".lower().replace("'", ""), gender, True
            )
        surname, surname_py = SURNAME(rng)
        chars = _FEMALE_CHARS if gender == "female" else _MALE_CHARS
        given = [rng.choice(chars) for _ in range(2 if rng.random() < 0.7 else 1)]
        name = surname + "".join(c[0] for c in given)
        given_py = "".join(c[1] for c in given)
        login = f"{given_py}.{surname_py}" if rng.random() < 0.5 else f"{surname_py}{given_py}"
        return Person(name, login, gender, False)

    def _contact(
        self, rng: random.Random, account: dict[str, Any], english_company: bool, *, primary: bool
    ) -> tuple[Person, dict[str, Any]]:
        english = english_company and rng.random() < 0.6
        person = self.person(rng, english)
        title, department, role = rng.choice(
            w.CONTACT_TITLES_EN if english else w.CONTACT_TITLES_ZH
        )
        if rng.random() < 0.85:
            email = f"{person.login}@{account['_domain']}"
        else:
            email = f"{_personal_mail_local(rng, person)}@{rng.choice(w.PERSONAL_MAIL)}"
        row: dict[str, Any] = {
            "name": person.name,
            "_account": True,
            "title": title,
            "department": department,
            "mobile": _mobile(rng),
            "email": email,
            "gender": person.gender,
            "role": role,
            "is_primary": primary,
        }
        if rng.random() < 0.5:
            row["phone"] = (
                f"{account['phone']}-{rng.randrange(100, 999)}"
                if rng.random() < 0.5
                else account["phone"]
            )
        if not english and rng.random() < 0.6:
            row["wechat"] = f"{person.login.replace('.', '_')}{rng.randrange(10, 9999)}"
        if rng.random() < 0.3:
            row["birthday"] = date(
                rng.randrange(1965, 2000), rng.randrange(1, 13), rng.randrange(1, 29)
            ).isoformat()
        return person, row

    # ------------------------------------------------------------ opportunities
    def _opportunity(
        self, rng: random.Random, account: dict[str, Any], english: bool, contact_count: int
    ) -> dict[str, Any]:
        offset = rng.randrange(-365, 181)
        close = self.today + timedelta(days=offset)
        if offset >= 0:
            outcome = "open"
        elif offset < -30:
            outcome = OLD_OUTCOME(rng)
        else:
            outcome = RECENT_OUTCOME(rng)
        stage = OPEN_STAGE(rng) if outcome == "open" else outcome
        product = rng.choice(w.PRODUCTS_EN if english else w.PRODUCTS_ZH)
        amount = _round_money(rng.lognormvariate(math.log(180_000), 1.0))
        amount = min(max(amount, 5_000), 50_000_000)
        row: dict[str, Any] = {
            "name": f"{account['_short']} - {product}",
            "_account": True,
            "pipeline": PIPELINE(rng),
            "stage": stage,
            "amount": amount,
            "close_date": close.isoformat(),
            "type": OPP_TYPE(rng),
            "source": account["source"] if rng.random() < 0.6 else SOURCE(rng),
            "_topic": product,
        }
        if contact_count and rng.random() < 0.8:
            row["_contact"] = rng.randrange(contact_count)
        if stage not in ("won", "lost"):
            row["next_step"] = rng.choice(w.NEXT_STEPS_EN if english else w.NEXT_STEPS_ZH)
            if rng.random() < 0.3:
                row["competitor"] = rng.choice(w.COMPETITORS)
        if stage == "lost":
            reason = LOST_REASON(rng)
            row["lost_reason"] = reason
            if reason == "competitor":
                row["competitor"] = rng.choice(w.COMPETITORS)
        return row

    # ------------------------------------------------------------ activities
    def _activity(
        self,
        rng: random.Random,
        account: dict[str, Any],
        english: bool,
        contacts: list[Person],
        opportunities: list[dict[str, Any]],
        *,
        today_task: bool = False,
    ) -> dict[str, Any]:
        kind = "task" if today_task else ACTIVITY_TYPE(rng)
        today_share = today_task or rng.random() < 0.08
        offset = 0 if today_share else round(rng.triangular(-60, 30, -3))
        due = self.today + timedelta(days=offset)
        if kind in ("note", "email") and offset > 0:
            due = self.today - timedelta(days=offset)
            offset = -offset
        contact_no = rng.randrange(len(contacts)) if contacts and rng.random() < 0.6 else None
        opp_no = rng.randrange(len(opportunities)) if opportunities and rng.random() < 0.5 else None
        contact_name = (
            contacts[contact_no].name
            if contact_no is not None
            else ("the team" if english else "对接人")
        )
        topic = (
            opportunities[opp_no]["_topic"]
            if opp_no is not None
            else ("the project" if english else "合作项目")
        )
        subjects = {
            "task": w.TASK_SUBJECTS_EN if english else w.TASK_SUBJECTS_ZH,
            "call": w.CALL_SUBJECTS_EN if english else w.CALL_SUBJECTS_ZH,
            "visit": w.VISIT_SUBJECTS_EN if english else w.VISIT_SUBJECTS_ZH,
            "note": w.NOTE_SUBJECTS_EN if english else w.NOTE_SUBJECTS_ZH,
            "email": w.EMAIL_SUBJECTS_EN if english else w.EMAIL_SUBJECTS_ZH,
        }[kind]
        subject = rng.choice(subjects).format(c=contact_name, a=account["_short"], o=topic)
        if today_task:
            subject = ("Today: " if english else "今日跟进：") + subject
        if kind in ("note", "email"):
            status = "completed"
        elif offset < 0:
            status = PAST_STATUS(rng)
        else:
            status = "open"
        row: dict[str, Any] = {
            "subject": subject[:200],
            "type": kind,
            "status": status,
            "priority": "high" if today_task else PRIORITY(rng),
            "due_date": due.isoformat(),
            "_account": True,
        }
        if opp_no is not None:
            row["related_object"] = "opportunity"
            row["_opportunity"] = opp_no
        else:
            row["related_object"] = "account"
        if contact_no is not None:
            row["_contact"] = contact_no
        if kind in ("call", "visit"):
            start = datetime(
                due.year,
                due.month,
                due.day,
                rng.randrange(9, 18),
                rng.choice((0, 30)),
                tzinfo=CHINA_TZ,
            )
            row["start_at"] = start.isoformat()
            row["duration_minutes"] = (
                rng.randrange(5, 46) if kind == "call" else rng.choice((60, 90, 120, 180))
            )
        if kind == "visit":
            row["location"] = f"{account['city']}{account['address']}"[:300]
        if rng.random() < 0.5 or kind == "note":
            row["description"] = rng.choice(
                w.ACTIVITY_DETAILS_EN if english else w.ACTIVITY_DETAILS_ZH
            )
        return row

    # ------------------------------------------------------------ leads
    def _lead(self, rng: random.Random) -> dict[str, Any]:
        english = rng.random() < 0.08
        person = self.person(rng, english)
        industry = INDUSTRY(rng)
        while industry == "government":
            industry = INDUSTRY(rng)
        province = PROVINCE(rng)
        city = rng.choice(province.cities)
        brand, brand_py = self._brand(rng)
        scope_zh, scope_en = rng.choice(w.INDUSTRY_WORDS[industry])
        if english:
            prefix, noun = rng.choice(w.EN_PREFIXES), rng.choice(w.EN_NOUNS[industry])
            company = f"{prefix} {noun} {rng.choice(w.EN_SUFFIXES)}"
            domain = prefix.lower().replace(" ", "") + ".com"
        else:
            company = f"{city.short}{brand}{scope_zh}{LEGAL_SUFFIX(rng)}"
            domain = f"{brand_py}{scope_en}.com"
        title, _, _ = rng.choice(w.CONTACT_TITLES_EN if english else w.CONTACT_TITLES_ZH)
        row: dict[str, Any] = {
            "name": person.name,
            "company": company,
            "title": title,
            "mobile": _mobile(rng),
            "email": f"{person.login}@{domain}",
            "status": LEAD_STATUS(rng),
            "source": SOURCE(rng),
            "industry": industry,
            "province": province.name,
            "city": city.name,
        }
        rating = RATING(rng)
        if rating:
            row["rating"] = rating
        if rng.random() < 0.3:
            row["description"] = (
                "Met at a trade show; asked for a product demo."
                if english
                else rng.choice(
                    (
                        "展会上留下名片，希望了解产品报价。",
                        "官网留资，咨询试用。",
                        "老客户转介绍，有明确采购计划。",
                    )
                )
            )
        return row


# ---------------------------------------------------------------- small helpers
def _lognormal_int(rng: random.Random, median: float, sigma: float, low: int, high: int) -> int:
    return max(low, min(high, round(rng.lognormvariate(math.log(median), sigma))))


def _round_money(value: float) -> int:
    """Round like people quote: 2 significant-ish digits (86,000; 1,250,000; 12,000,000)."""
    if value < 10_000:
        return max(100, int(round(value, -2)))
    digits = int(math.log10(value))
    return int(round(value, -(digits - 2)))


def _mobile(rng: random.Random) -> str:
    return rng.choice(w.MOBILE_PREFIXES) + f"{rng.randrange(100_000_000):08d}"


def _landline(rng: random.Random, city: City) -> str:
    digits = 8 if len(city.area_code) == 3 or city.code[:2] in ("31", "44", "32", "33") else 7
    first = rng.randrange(2, 9)
    return f"{city.area_code}-{first}{rng.randrange(10 ** (digits - 1)):0{digits - 1}d}"


def _personal_mail_local(rng: random.Random, person: Person) -> str:
    if rng.random() < 0.5:
        return f"{rng.randrange(100_000, 3_999_999_999)}"
    return f"{person.login.replace('.', '')}{rng.randrange(1970, 2005)}"

"""The city's enforcement policy: a TOML pack validated on load.

A running case carries the `ViolationType` and calendar it started under (a snapshot in its workflow
input), so a policy change applies to new cases only.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from domain.calendar import BusinessCalendar
from domain.open_data import CATEGORIES
from domain.stages import ServiceMethod
from domain.toml_models import TomlRefused, read_toml


class PolicyError(ValueError):
    """A policy pack that cannot be used; the message names the key and the reason."""


class Category(StrEnum):
    """Severity class: I is life-safety."""

    I = "I"  # noqa: E741 - the city's own name for the class
    II = "II"
    III = "III"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CategoryRule(_Strict):
    label: str
    response_target_business_days: int = Field(ge=0)


class EscalationStep(StrEnum):
    """The rungs of an escalation ladder, in the order a violation type's policy lists them."""

    FINE = "fine"
    HEARING = "hearing"
    REMEDIATION = "remediation"
    LIEN = "lien"
    PROSECUTION = "prosecution"


class FineProcedure(StrEnum):
    """What a fine is in law, and so how the owner disputes it."""

    FINE = "fine"  # the city's own fine, appealed to its hearing
    # Ontario, Provincial Offences Act Part I: a set fine on an offence notice; pay, early resolution or trial.
    PART_I_TICKET = "part_i_ticket"
    # Ontario, Municipal Act s.102.1 and O. Reg. 333/07: an administrative penalty; a screening review, then a
    # hearing review of the screening decision, each asked for within its time limit.
    PENALTY_NOTICE = "penalty_notice"


class NoticeKind(_Strict):
    """A kind of notice the pack issues, with the statute and appeal route printed on it."""

    title: str
    statute: str = ""
    order: bool = Field(
        default=False, description="an order (not a courtesy warning): compliance after it is order compliance"
    )
    fine: bool = Field(default=False, description="a set-fine ticket: issuing it levies the ladder's next fine")
    appealable: bool = True
    appeal_to: str = ""
    how_to_appeal: str = Field(
        default="", description="how the owner appeals, in the pack's words; the city's default route when empty"
    )
    appeal_window_days: int | None = Field(
        default=None, ge=1, description="when this notice's appeal runs on its own clock (Ontario BCA orders: 20 days)"
    )
    fine_procedure: FineProcedure | None = Field(
        default=None, description="a fine notice of one procedure only (a Part I ticket, a penalty notice)"
    )


class AnswerKind(StrEnum):
    """How a resident answers a question; the names are Open311 GeoReport v2's attribute datatypes."""

    STRING = "string"
    NUMBER = "number"
    DATETIME = "datetime"
    TEXT = "text"
    SINGLE_CHOICE = "singlevaluelist"
    MULTIPLE_CHOICE = "multivaluelist"


class Choice(_Strict):
    key: str = Field(pattern=r"^[A-Z0-9_]{1,24}$")
    name: str = Field(min_length=1)


# Longest free answers: a line (an Open311 "string"), and a paragraph ("text").
_MAX_LENGTH = {AnswerKind.STRING: 200, AnswerKind.TEXT: 2000}


class Question(_Strict):
    """What a resident can tell without entering the property; the inspection checklist is for the officer."""

    code: str = Field(pattern=r"^[A-Z][A-Z0-9_]{1,23}$")
    prompt: str = Field(min_length=3)
    kind: AnswerKind
    required: bool = False
    help: str = ""
    choices: tuple[Choice, ...] = ()

    @model_validator(mode="after")
    def _choices_match_the_kind(self) -> Question:
        lists = {AnswerKind.SINGLE_CHOICE, AnswerKind.MULTIPLE_CHOICE}
        if (self.kind in lists) != bool(self.choices):
            raise ValueError(f"{self.code}: choices are given for list questions, and only for them")
        return self

    def answer(self, given: list[str]) -> str | list[str]:
        """The answer as stored (choice keys, a number, a date or text); ValueError says what is wrong."""
        values = [v.strip() for v in given if v.strip()]
        if not values:
            raise ValueError("is required" if self.required else "is empty")
        if self.kind is AnswerKind.MULTIPLE_CHOICE:
            keys = [c.key for c in self.choices]
            unknown = [v for v in values if v not in keys]
            if unknown:
                raise ValueError(f"{unknown[0]!r} is not one of {', '.join(keys)}")
            return list(dict.fromkeys(values))
        if len(values) > 1:
            raise ValueError("takes one value")
        value = values[0]
        if self.kind is AnswerKind.SINGLE_CHOICE:
            keys = [c.key for c in self.choices]
            if value not in keys:
                raise ValueError(f"{value!r} is not one of {', '.join(keys)}")
        elif self.kind is AnswerKind.NUMBER:
            try:
                number = Decimal(value)
            except ArithmeticError:
                raise ValueError(f"{value!r} is not a number") from None
            if not number.is_finite():
                raise ValueError(f"{value!r} is not a number")
        elif self.kind is AnswerKind.DATETIME:
            try:
                datetime.fromisoformat(value)
            except ValueError:
                raise ValueError(f"{value!r} is not an ISO 8601 date and time") from None
        elif len(value) > _MAX_LENGTH[self.kind]:
            raise ValueError(f"is longer than {_MAX_LENGTH[self.kind]} characters")
        return value


class ViolationType(_Strict):
    code: str = Field(pattern=r"^[A-Z][A-Z0-9-]{1,23}$")
    title: str = Field(min_length=3)
    section: str
    category: Category
    priority: int = Field(ge=1, le=3)
    specialty: str
    response_target_business_days: int = Field(ge=0)
    compliance_days: int = Field(ge=1, le=365)
    notice_path: tuple[str, ...] = Field(min_length=1)
    fines: tuple[Decimal, ...] = ()
    escalation: tuple[EscalationStep, ...] = ()
    checklist: tuple[str, ...] = Field(min_length=1)
    description: str = ""
    # What the owner must do, as the notice says it. Defaults to "" only so snapshots of cases started
    # before this field existed still load; a policy pack must give it (checked on load).
    corrective_action: str = ""
    # What a resident is asked when reporting it (the portal, Open311); never part of the legal record.
    questions: tuple[Question, ...] = ()
    # Its category in the HouseFacts open data the city publishes (domain/open_data.py).
    open_data_category: str = "Other"
    # What its fines are (a ticket or a penalty notice, in Ontario), when not the pack's `fine_procedure`.
    fine_procedure: FineProcedure | None = None

    @field_validator("open_data_category")
    @classmethod
    def _a_housefacts_category(cls, value: str) -> str:
        if value not in CATEGORIES:
            raise ValueError(
                f"{value!r} is not a HouseFacts violation category; use one of {', '.join(sorted(CATEGORIES))}"
            )
        return value

    @model_validator(mode="after")
    def _questions_are_distinct(self) -> ViolationType:
        codes = [q.code for q in self.questions]
        twice = next((c for c in codes if codes.count(c) > 1), None)
        if twice:
            raise ValueError(f"question {twice!r} is asked twice")
        return self

    def question(self, code: str) -> Question | None:
        return next((q for q in self.questions if q.code == code), None)

    @property
    def priority_label(self) -> str:
        return f"P{self.priority}"

    @property
    def remediation_applies(self) -> bool:
        return EscalationStep.REMEDIATION in self.escalation

    @property
    def lien_applies(self) -> bool:
        return EscalationStep.LIEN in self.escalation

    def fine_amount(self, fines_already_levied: int) -> Decimal:
        """First, second, then the last rung for every later fine ($100 / $200 / $500 and $500 after)."""
        if not self.fines:
            raise ValueError(f"{self.code} has no fine ladder")
        return self.fines[min(fines_already_levied, len(self.fines) - 1)]


class ProcessRules(_Strict):
    """Time limits and thresholds that apply to every violation type; the pack cites a source for each."""

    appeal_window_days: int = Field(ge=1)
    mail_service_extra_days: int = Field(ge=0)
    mail_number_required: bool = Field(
        default=False,
        description="notices go by certified (or registered) mail: service by mail is recorded with its number",
    )
    reminder_offsets_days: tuple[int, ...]
    notice_due_business_days: int = Field(ge=0)
    service_due_business_days: int = Field(ge=0)
    reinspection_lead_business_days: int = Field(ge=0)
    escalation_action_business_days: int = Field(ge=0)
    closure_review_business_days: int = Field(ge=0)
    extension_decision_business_days: int = Field(ge=0)
    max_extension_days: int = Field(ge=1)
    hearing_schedule_business_days: int = Field(ge=0)
    hearing_decision_business_days: int = Field(ge=0)
    remediation_days: int = Field(ge=1)
    payment_terms_days: int = Field(ge=1)
    lien_threshold: Decimal = Field(ge=0)
    prosecution_review_days: int = Field(ge=1)
    max_fine: Decimal = Field(gt=0)
    # A fee for each reinspection that finds the violation still there, from the `reinspection_fee_from`-th
    # reinspection of a case on (the first is part of the enforcement). 0 bills none: snapshots older than these
    # keys take that.
    reinspection_fee: Decimal = Field(default=Decimal(0), ge=0)
    reinspection_fee_from: int = Field(default=2, ge=1)
    # The officer, the city's witness, is reminded this many days before each court date; packs and snapshots
    # without the key take a week and the day before.
    court_reminder_days: tuple[int, ...] = (7, 1)
    # What the pack's fines are, unless a violation type says otherwise: the city's own fines, Part I tickets
    # (the owner's choice is recorded) or penalty notices (screening review, then hearing review).
    fine_procedure: FineProcedure = FineProcedure.FINE
    # Penalty notices: the screening review is asked for within the penalty's own appeal window (its notice's),
    # and a hearing review of the screening decision within this many days of it.
    hearing_review_request_days: int = Field(default=15, ge=1)
    # Compliance periods (and extensions of them) run in calendar days ending on a business day, unless a city's
    # code counts them in business days; an appeal's paused clock keeps its days left in the same kind.
    compliance_in_business_days: bool = False
    # A case is stalled (domain/alerts.py `stall`) after this many days with no action or event, or when its
    # human step is this many days past due; packs without the keys take the defaults of issue 14.
    stalled_after_days: int = Field(default=30, ge=1)
    stalled_past_due_days: int = Field(default=5, ge=1)
    # The order in which a notice is served: when one method fails (an e-mail bounces, mail comes back) the
    # next one is used. The default is the order city codes describe (certified mail, posting when mail fails),
    # with e-mail first where the owner gave an address; snapshots older than this key take it.
    service_methods: tuple[ServiceMethod, ...] = Field(
        default=(ServiceMethod.EMAIL, ServiceMethod.MAIL, ServiceMethod.POSTING), min_length=1
    )

    @model_validator(mode="after")
    def _each_service_method_once(self) -> ProcessRules:
        if len(set(self.service_methods)) != len(self.service_methods):
            raise ValueError("service_methods: each method may be listed once")
        return self


class CasePolicy(_Strict):
    """The snapshot of policy a case carries in its workflow input and keeps for its whole life."""

    pack_id: str
    jurisdiction: str = ""  # "" in snapshots older than this field
    violation: ViolationType
    notices: dict[str, NoticeKind]
    process: ProcessRules
    calendar: BusinessCalendar

    def notice(self, code: str) -> NoticeKind:
        return self.notices[code]

    @property
    def fine_procedure(self) -> FineProcedure:
        return self.violation.fine_procedure or self.process.fine_procedure


class PackInfo(_Strict):
    id: str
    name: str
    jurisdiction: str
    specialties: tuple[str, ...]


class Policy(_Strict):
    pack: PackInfo
    calendar: BusinessCalendar
    categories: dict[Category, CategoryRule]
    process: ProcessRules
    notice_types: dict[str, NoticeKind]
    violation_types: tuple[ViolationType, ...] = Field(min_length=1)

    @model_validator(mode="before")
    @classmethod
    def _response_targets_default_to_the_category(cls, data: Any) -> Any:
        """A violation type without its own response target takes its category's."""
        if not isinstance(data, dict) or not isinstance(data.get("violation_types"), list):
            return data
        categories = data.get("categories")
        if not isinstance(categories, dict):
            categories = {}
        filled = []
        for entry in data["violation_types"]:
            rule = categories.get(entry.get("category")) if isinstance(entry, dict) else None
            if isinstance(rule, dict) and "response_target_business_days" not in entry:
                entry = {**entry, "response_target_business_days": rule.get("response_target_business_days")}
            filled.append(entry)
        return {**data, "violation_types": filled}

    @model_validator(mode="after")
    def _consistent(self) -> Policy:
        missing = [c.value for c in Category if c not in self.categories]
        if missing:
            raise ValueError(f"categories: category {missing[0]} is not defined")
        seen: set[str] = set()
        for index, violation in enumerate(self.violation_types):
            if violation.code in seen:
                raise ValueError(f"violation_types[{index}].code: {violation.code!r} is defined twice")
            seen.add(violation.code)
            if violation.specialty not in self.pack.specialties:
                raise ValueError(
                    f"violation_types[{index}].specialty: {violation.specialty!r} is not one of "
                    f"pack.specialties ({', '.join(self.pack.specialties)})"
                )
            if not violation.corrective_action.strip():
                raise ValueError(f"violation_types[{index}].corrective_action: say what the owner must do")
            unknown = [n for n in violation.notice_path if n not in self.notice_types]
            if unknown:
                raise ValueError(
                    f"violation_types[{index}].notice_path: {unknown[0]!r} is not one of notice_types "
                    f"({', '.join(self.notice_types)})"
                )
            procedure = violation.fine_procedure or self.process.fine_procedure
            other = [n for n in violation.notice_path if self.notice_types[n].fine_procedure not in (None, procedure)]
            if other:
                raise ValueError(
                    f"violation_types[{index}].notice_path: {other[0]!r} is a "
                    f"{self.notice_types[other[0]].fine_procedure}, but {violation.code}'s fines are {procedure} "
                    "(fine_procedure)"
                )
            levies = EscalationStep.FINE in violation.escalation or any(
                self.notice_types[n].fine for n in violation.notice_path
            )
            if levies and not violation.fines:
                raise ValueError(
                    f"violation_types[{index}].fines: {violation.code} levies fines but has no fine ladder"
                )
            too_high = [f for f in violation.fines if f > self.process.max_fine]
            if too_high:
                raise ValueError(
                    f"violation_types[{index}].fines: {too_high[0]} is above process.max_fine ({self.process.max_fine})"
                )
        return self

    def for_case(self, code: str) -> CasePolicy | None:
        violation = self.violation(code)
        if violation is None:
            return None
        return CasePolicy(
            pack_id=self.pack.id,
            jurisdiction=self.pack.jurisdiction,
            violation=violation,
            notices={n: self.notice_types[n] for n in violation.notice_path},
            process=self.process,
            calendar=self.calendar,
        )

    def violation(self, code: str) -> ViolationType | None:
        return next((v for v in self.violation_types if v.code == code), None)

    def violation_title(self, code: str) -> str:
        """What staff call a violation type; its code when the policy no longer has it."""
        violation = self.violation(code)
        return violation.title if violation else code

    @property
    def codes(self) -> list[str]:
        return [v.code for v in self.violation_types]


def parse_policy(text: str, source: str = "policy") -> Policy:
    try:
        return read_toml(text, Policy)
    except TomlRefused as refused:
        if refused.key is None:
            raise PolicyError(f"{source}: not valid TOML: {refused.reason}") from refused
        raise PolicyError(f"{source}: {refused}") from refused


def load_policy(path: Path) -> Policy:
    return parse_policy(path.read_text(encoding="utf-8"), source=str(path))

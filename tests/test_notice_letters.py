"""The notice letters: every template renders under both policy packs and says what the law needs it to say;
no owner letter ever carries the complainant; the document store never replaces a letter."""

from __future__ import annotations

import csv
import hashlib
import io
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

import docx
import pytest
from pydantic import ValidationError
from temporalio.exceptions import ApplicationError

from adapters.letter_pdf import PdfUnavailable
from adapters.letter_renderer import TEMPLATES_DIR, LetterRenderer, render_docx
from config.settings import CONFIG_DIR
from domain.case import ParcelFacts
from domain.city import load_city
from domain.notices import (
    COMPLAINANT_LETTERS,
    OWNER_LETTERS,
    AppealRights,
    ComplainantLetterContext,
    ComplainantRecipient,
    CostItem,
    DecisionTerms,
    ExtensionTerms,
    FineTerms,
    HearingTerms,
    LetterContext,
    Letterhead,
    LetterKind,
    LienTerms,
    NoticeTerms,
    OfficerContact,
    ParcelRef,
    Penalty,
    Recipient,
    RemediationTerms,
    RenderRequest,
    ViolationLine,
    deadline_text,
    how_to_appeal,
    long_date,
    phone_text,
    sentence,
)
from domain.policy import Policy, load_policy
from domain.stages import Decision, HearingKind, Outcome, ServiceMethod
from records.intake import ComplainantDetails

CITY = load_city(CONFIG_DIR / "demo_city" / "city.toml")
PACKS = {
    "default": (load_policy(CONFIG_DIR / "policy.toml"), "PS-EXTERIOR"),
    "ontario": (load_policy(CONFIG_DIR / "policies" / "ontario.toml"), "ON-PS-EXTERIOR"),
}
CASE_NUMBER = "CE-2026-000417"
LETTER_DATE = date(2026, 3, 2)
# Distinctive, so that finding any of it in a letter cannot be a coincidence.
COMPLAINANT = ComplainantDetails(
    name="Quentin Zebulon-Marchetti", email="qz.marchetti.watch@example.net", phone="+15550199876"
)
CORRECTIVE = "Replace the broken windows & repair the porch railing to the code's height"


def _demo_parcel(address: str) -> ParcelFacts:
    with (CONFIG_DIR / "demo_city" / "parcels.csv").open(newline="") as handle:
        row = next(r for r in csv.DictReader(handle) if r["address"] == address)
    return ParcelFacts(
        parcel_id=row["parcel_id"],
        address=row["address"],
        zone=row["zone_code"],
        land_use=row["land_use"],
        lat=float(row["lat"]),
        lon=float(row["lon"]),
        owner_name=row["owner_name"],
        owner_mailing_address=row["owner_mailing_address"],
    )


def _demo_officer(badge: str) -> OfficerContact:
    with (CONFIG_DIR / "demo_city" / "officers.csv").open(newline="") as handle:
        row = next(r for r in csv.DictReader(handle) if r["badge"] == badge)
    return OfficerContact(name=row["name"], badge=row["badge"], phone=row["phone"], email=row["email"])


# An absentee owner: the mailing address is not the property, so a leak of it would show.
PARCEL = _demo_parcel("173 Maple Dr")
OFFICER = _demo_officer("CE-101")


@dataclass(frozen=True)
class CaseFile:
    """What the city holds about one case: the complainant sits beside the parcel and owner, as in the records."""

    policy: Policy
    code: str
    parcel: ParcelFacts
    complainant: ComplainantDetails
    officer: OfficerContact


def _owner_context(case: CaseFile, kind: LetterKind) -> LetterContext:
    """The context an owner letter is built from. It is given the whole case file, complainant included."""
    policy = case.policy
    snapshot = policy.for_case(case.code)
    assert snapshot is not None
    calendar, process, violation = policy.calendar, policy.process, snapshot.violation
    order_code = next(n for n in violation.notice_path if policy.notice_types[n].order)
    order = policy.notice_types[order_code]
    fine_code = next(n for n, k in policy.notice_types.items() if k.fine)
    served = datetime.combine(LETTER_DATE, time(10), tzinfo=calendar.zone)
    mail = process.mail_service_extra_days
    comply_by = calendar.calendar_days_after(served, violation.compliance_days + mail)
    issued = NoticeTerms.from_policy(order_code, order, issued_on=LETTER_DATE - timedelta(days=30))
    how = how_to_appeal(Letterhead.from_city(CITY))
    fields: dict[str, object] = {
        "jurisdiction": policy.pack.jurisdiction,
        "timezone": calendar.timezone,
        "city": Letterhead.from_city(CITY),
        "case_number": CASE_NUMBER,
        "letter_date": LETTER_DATE,
        "recipient": Recipient.owner_of(case.parcel),
        "parcel": ParcelRef.of(case.parcel),
        "violations": (ViolationLine.from_violation(violation, CORRECTIVE, violation.checklist[:2]),),
        "officer": case.officer,
        "inspected_on": LETTER_DATE - timedelta(days=3),
        "penalty": Penalty.from_policy(snapshot),
    }

    def appeal_for(code: str) -> AppealRights:
        notice = policy.notice_types[code]
        window = notice.appeal_window_days or process.appeal_window_days
        return AppealRights.for_notice(notice, calendar.calendar_days_after(served, window + mail), how)

    if kind is LetterKind.COURTESY_NOTICE:
        courtesy = policy.notice_types["courtesy_notice"]
        fields |= {
            "notice": NoticeTerms.from_policy("courtesy_notice", courtesy),
            "compliance_deadline": comply_by,
            "appeal": appeal_for("courtesy_notice"),
            "service_method": ServiceMethod.MAIL,
        }
    elif kind is LetterKind.NOTICE_OF_VIOLATION:
        fields |= {
            "notice": NoticeTerms.from_policy(order_code, order),
            "compliance_deadline": comply_by,
            "appeal": appeal_for(order_code),
            "service_method": ServiceMethod.MAIL,
        }
    elif kind is LetterKind.FINE_NOTICE:
        fine_kind = policy.notice_types[fine_code]
        fields |= {
            "notice": NoticeTerms.from_policy(fine_code, fine_kind),
            "fine": FineTerms(
                amount=violation.fine_amount(0), due_on=LETTER_DATE + timedelta(days=process.payment_terms_days)
            ),
            "compliance_deadline": comply_by,
            "appeal": appeal_for(fine_code),
            "service_method": ServiceMethod.PERSONAL,
        }
    elif kind is LetterKind.REINSPECTION_NOTICE:
        fields |= {
            "notice": issued,
            "compliance_deadline": comply_by,
            "reinspection_at": datetime.combine(
                calendar.add_business_days(comply_by.date(), 1), time(10), calendar.zone
            ),
        }
    elif kind in (LetterKind.EXTENSION_GRANTED, LetterKind.EXTENSION_DENIED):
        granted = kind is LetterKind.EXTENSION_GRANTED
        fields |= {
            "notice": issued,
            "compliance_deadline": calendar.calendar_days_after(comply_by, 14) if granted else comply_by,
            "extension": ExtensionTerms(
                requested_on=LETTER_DATE - timedelta(days=2),
                requested_days=21,
                granted_days=14 if granted else None,
                reason="a roofer is booked for the week of the 16th"
                if granted
                else "the porch railing is a danger now",
                previous_deadline=comply_by if granted else None,
            ),
        }
    elif kind is LetterKind.NOTICE_OF_HEARING:
        at = datetime.combine(LETTER_DATE + timedelta(days=16), time(9, 30), calendar.zone)
        fields |= {
            "notice": issued,
            "hearing": HearingTerms(kind=HearingKind.APPEAL, at=at, location="Civic Centre, Committee Room 2"),
        }
    elif kind is LetterKind.HEARING_DECISION:
        at = datetime.combine(LETTER_DATE - timedelta(days=5), time(9, 30), calendar.zone)
        fields |= {
            "notice": issued,
            "hearing": HearingTerms(kind=HearingKind.APPEAL, at=at, location="Civic Centre, Committee Room 2"),
            "decision": DecisionTerms(
                decision=Decision.UPHELD, reason="the photographs show the railing loose", decided_on=LETTER_DATE
            ),
            "compliance_deadline": comply_by,
        }
    elif kind is LetterKind.REMEDIATION_NOTICE:
        fields |= {
            "notice": issued,
            "remediation": RemediationTerms(
                scope="boarded two broken windows and replaced the porch railing",
                completed_on=LETTER_DATE - timedelta(days=4),
                costs=(
                    CostItem(description="Contractor: Riverside Repairs", amount=Decimal("842.50")),
                    CostItem(description="Administrative fee", amount=Decimal("75.00")),
                ),
                payment_due_on=LETTER_DATE + timedelta(days=process.payment_terms_days),
            ),
        }
    elif kind is LetterKind.LIEN_NOTICE:
        fields |= {
            "notice": issued,
            "lien": LienTerms(
                amount=Decimal("1117.50"),
                recorded_on=LETTER_DATE,
                reference="LN-2026-0042",
                items=(
                    CostItem(description="Remedial work", amount=Decimal("917.50")),
                    CostItem(description="Fines", amount=Decimal("200.00")),
                ),
            ),
        }
    elif kind is LetterKind.LIEN_RELEASE:
        fields |= {
            "lien": LienTerms(
                amount=Decimal("1117.50"),
                recorded_on=LETTER_DATE - timedelta(days=60),
                reference="LN-2026-0042",
                released_on=LETTER_DATE,
            )
        }
    elif kind is LetterKind.CLOSURE_OWNER:
        fields |= {"outcome": Outcome.ORDER_COMPLIANCE, "closed_on": LETTER_DATE, "balance_due": Decimal("150.00")}
    return LetterContext.model_validate(fields)


def _complainant_context(case: CaseFile, kind: LetterKind) -> ComplainantLetterContext:
    policy = case.policy
    violation = policy.violation(case.code)
    assert violation is not None and case.complainant.name is not None
    closing = kind is LetterKind.CLOSURE_COMPLAINANT
    return ComplainantLetterContext(
        jurisdiction=policy.pack.jurisdiction,
        timezone=policy.calendar.timezone,
        city=Letterhead.from_city(CITY),
        case_number=CASE_NUMBER,
        letter_date=LETTER_DATE,
        recipient=ComplainantRecipient(name=case.complainant.name, email=case.complainant.email),
        tracking_code="K7QX4M2PRT",
        property_address=case.parcel.address,
        concern=violation.title,
        received_on=LETTER_DATE - timedelta(days=10),
        response_due=policy.calendar.business_days_after(
            datetime.combine(LETTER_DATE, time(9), policy.calendar.zone), violation.response_target_business_days
        ),
        status_url="https://riverton.example/status",
        outcome=Outcome.VOLUNTARY_COMPLIANCE if closing else None,
        closed_on=LETTER_DATE if closing else None,
    )


def _request(case: CaseFile, kind: LetterKind, key: str = "step-7") -> RenderRequest:
    context = _complainant_context(case, kind) if kind.to_complainant else _owner_context(case, kind)
    return RenderRequest(case_number=CASE_NUMBER, kind=kind, business_key=key, context=context)


def letter_text(data: bytes) -> str:
    """What a reader sees: body paragraphs, table cells, headers and footers."""
    document = docx.Document(io.BytesIO(data))
    lines = [p.text for p in document.paragraphs]
    lines += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    for section in document.sections:
        for part in (section.first_page_header, section.header, section.first_page_footer, section.footer):
            lines += [p.text for p in part.paragraphs]
    return "\n".join(lines)


def package_text(data: bytes) -> str:
    """Every part of the package as text, core properties included: where a hidden copy could hide."""
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        return "\n".join(package.read(name).decode("utf-8", "replace") for name in package.namelist())


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, LetterKind], tuple[RenderRequest, bytes]]:
    """Every letter under both packs, through the activity, for a case that has a complainant."""
    store = tmp_path_factory.mktemp("documents")
    activities = LetterRenderer(store)
    letters = {}
    for pack, (policy, code) in PACKS.items():
        case = CaseFile(policy, code, PARCEL, COMPLAINANT, OFFICER)
        for kind in LetterKind:
            request = _request(case, kind, key=f"{pack}-1")
            result = activities.render_letter(request)
            letters[pack, kind] = (request, (store / result.path).read_bytes())
    return letters


# --- (a) every letter renders and says what it must ---------------------------------------------------


def test_every_letter_has_a_template() -> None:
    assert sorted(p.name for p in TEMPLATES_DIR.glob("*.docx")) == sorted(k.template_name for k in LetterKind)
    assert set(LetterKind) == OWNER_LETTERS | COMPLAINANT_LETTERS and len(OWNER_LETTERS) == 12


@pytest.mark.parametrize("pack", PACKS)
@pytest.mark.parametrize("kind", list(LetterKind))
def test_letter_states_case_property_and_deadlines(rendered: dict, pack: str, kind: LetterKind) -> None:
    request, data = rendered[pack, kind]
    context = request.context
    text = letter_text(data)
    assert CASE_NUMBER in text
    assert "{{" not in text and "{%" not in text, "a tag was left unrendered"
    assert CITY.name in text and CITY.department in text and phone_text(CITY.phone) in text
    if isinstance(context, ComplainantLetterContext):
        assert context.property_address in text and context.tracking_code in text
        return
    assert context.parcel.address in text and context.parcel.parcel_id in text
    assert context.recipient.name in text and context.recipient.address_lines[-1] in text
    assert context.officer.name in text and phone_text(context.officer.phone) in text
    if context.compliance_deadline is not None:
        assert deadline_text(context.compliance_deadline, context.timezone) in text
    if kind is not LetterKind.CLOSURE_OWNER:
        violation = context.violations[0]
        assert violation.section in text and violation.description in text
        assert CORRECTIVE in text, "an ampersand in the data must come through as text"
    # Letters that issue, enforce or bill an order or fine state the right to recover costs by lien; the hearing
    # notice (a date and a place) and the closure letter do not.
    if kind in (LetterKind.REMEDIATION_NOTICE, LetterKind.LIEN_NOTICE, LetterKind.LIEN_RELEASE) or (
        context.lien_warning and kind not in (LetterKind.NOTICE_OF_HEARING, LetterKind.CLOSURE_OWNER)
    ):
        assert "lien" in text.lower()


@pytest.mark.parametrize("pack", PACKS)
@pytest.mark.parametrize("kind", [LetterKind.COURTESY_NOTICE, LetterKind.NOTICE_OF_VIOLATION, LetterKind.FINE_NOTICE])
def test_notices_state_statute_appeal_route_and_service(rendered: dict, pack: str, kind: LetterKind) -> None:
    request, data = rendered[pack, kind]
    context = request.context
    assert isinstance(context, LetterContext) and context.notice and context.appeal
    text = letter_text(data)
    assert context.notice.title in text
    assert context.notice.statute in text
    # An appeal route is printed inside a sentence; a pack's words on the options of an unappealable notice
    # (an Ontario offence notice) stand as a sentence of their own.
    assert (context.appeal.to if context.appeal.appealable else sentence(context.appeal.to)) in text
    if context.appeal.appealable:
        assert context.appeal.deadline is not None
        assert f"The last day to appeal is {deadline_text(context.appeal.deadline, context.timezone)}" in text
        assert f"How to appeal: {sentence(context.appeal.how)}" in text  # the pack's words for this notice kind
    assert ", as owner of record, by " in text
    if context.notice.order or context.notice.fine:
        assert "Recovery of costs by lien" in text and "recorded as a lien against it" in text


def test_each_pack_speaks_in_its_own_law(rendered: dict) -> None:
    ontario = {kind: letter_text(data) for (pack, kind), (_, data) in rendered.items() if pack == "ontario"}
    default = {kind: letter_text(data) for (pack, kind), (_, data) in rendered.items() if pack == "default"}
    order = ontario[LetterKind.NOTICE_OF_VIOLATION]
    assert "Property standards order" in order
    assert "Building Code Act, 1992, s.15.2(2)" in order and "Property Standards Committee" in order
    assert "Provincial Offences Act" in ontario[LetterKind.FINE_NOTICE]
    assert "Building Code Act" in ontario[LetterKind.NOTICE_OF_HEARING]
    assert "the Town" in order and "the City" not in order

    nov = default[LetterKind.NOTICE_OF_VIOLATION]
    assert "Notice of violation and order to comply" in nov and "RMC §1.12.040" in nov
    assert "Administrative Hearing Officer" in nov
    assert (
        "Administrative citation" in default[LetterKind.FINE_NOTICE]
        and "RMC §1.16.020" in default[LetterKind.FINE_NOTICE]
    )
    assert "the City" in nov and "the Town" not in nov
    for text in default.values():
        assert "Building Code Act" not in text and "Property Standards Committee" not in text


def test_phone_numbers_read_as_people_write_them() -> None:
    assert phone_text(OFFICER.phone) == "(555) 754-4722"
    assert phone_text(CITY.phone) == CITY.phone
    assert phone_text("+44 20 7946 0958") == "+44 20 7946 0958"


def test_penalty_follows_the_violation_types_ladder(rendered: dict) -> None:
    default = letter_text(rendered["default", LetterKind.NOTICE_OF_VIOLATION][1])
    assert "impose fines of $100.00, $200.00 and $500.00, in that order" in default
    assert "refer the matter for prosecution in court" in default
    ontario = letter_text(rendered["ontario", LetterKind.NOTICE_OF_VIOLATION][1])
    # ON-PS-EXTERIOR escalates to hearing, remediation, lien, prosecution: no fine on its ladder.
    assert "impose a fine" not in ontario and "impose fines" not in ontario
    assert "have the work done by its own contractor" in ontario


def test_penalty_lists_only_the_rungs_still_ahead() -> None:
    snapshot = PACKS["default"][0].for_case("PS-EXTERIOR")  # fine, fine, fine, hearing, lien, prosecution
    assert snapshot is not None
    start = Penalty.from_policy(snapshot)
    assert start.fines == (Decimal(100), Decimal(200), Decimal(500)) and start.hearing and start.prosecution
    after_hearing = Penalty.from_policy(snapshot, fines_levied=3, steps_taken=4)
    assert after_hearing == Penalty(lien=True, prosecution=True)


# --- (b) no complainant in an owner letter, no owner in a complainant letter ---------------------------


@pytest.mark.parametrize("pack", PACKS)
def test_owner_letters_never_carry_the_complainant(rendered: dict, pack: str) -> None:
    for kind in OWNER_LETTERS:
        everything = package_text(rendered[pack, kind][1])
        for value in (COMPLAINANT.name, COMPLAINANT.email, COMPLAINANT.phone):
            assert value is not None
            assert value not in everything, f"{kind.value} ({pack}) shows the complainant's {value!r}"
            assert value.split("-")[0] not in everything


def test_an_owner_letter_has_no_place_for_a_complainant() -> None:
    case = CaseFile(PACKS["default"][0], "PS-EXTERIOR", PARCEL, COMPLAINANT, OFFICER)
    fields = _owner_context(case, LetterKind.NOTICE_OF_VIOLATION).model_dump()
    with pytest.raises(ValidationError, match="complainant"):
        LetterContext.model_validate({**fields, "complainant": {"name": COMPLAINANT.name}})
    with pytest.raises(ValidationError):
        LetterContext.model_validate({**fields, "recipient": {**fields["recipient"], "phone": COMPLAINANT.phone}})


@pytest.mark.parametrize("pack", PACKS)
def test_complainant_letters_never_carry_the_owner(rendered: dict, pack: str) -> None:
    for kind in COMPLAINANT_LETTERS:
        everything = package_text(rendered[pack, kind][1])
        text = letter_text(rendered[pack, kind][1])
        assert PARCEL.owner_name not in everything
        assert PARCEL.owner_mailing_address not in everything
        assert PARCEL.owner_mailing_address.split(", ")[0] not in everything
        assert COMPLAINANT.name is not None and COMPLAINANT.name in text


def test_a_letter_goes_to_its_audience_with_what_it_needs() -> None:
    case = CaseFile(PACKS["default"][0], "PS-EXTERIOR", PARCEL, COMPLAINANT, OFFICER)
    owner = _owner_context(case, LetterKind.NOTICE_OF_VIOLATION)
    with pytest.raises(ValidationError, match="goes to the complainant"):
        RenderRequest(case_number=CASE_NUMBER, kind=LetterKind.ACKNOWLEDGEMENT, business_key="k", context=owner)
    with pytest.raises(ValidationError, match="needs fine"):
        RenderRequest(case_number=CASE_NUMBER, kind=LetterKind.FINE_NOTICE, business_key="k", context=owner)
    with pytest.raises(ValidationError, match="business_key"):
        RenderRequest(case_number=CASE_NUMBER, kind=LetterKind.NOTICE_OF_VIOLATION, business_key="../x", context=owner)
    unreleased = owner.model_copy(
        update={"lien": LienTerms(amount=Decimal(500), recorded_on=LETTER_DATE, reference="L")}
    )
    with pytest.raises(ValidationError, match=r"needs lien\.released_on"):
        RenderRequest(case_number=CASE_NUMBER, kind=LetterKind.LIEN_RELEASE, business_key="k", context=unreleased)


@pytest.mark.parametrize("pack", PACKS)
def test_the_release_letter_says_the_lien_is_paid_and_leaves_the_tax_roll(rendered: dict, pack: str) -> None:
    text = letter_text(rendered[pack, LetterKind.LIEN_RELEASE][1])
    assert "Release of lien" in text and "LN-2026-0042" in text and "$1,117.50" in text
    assert "has been paid in full" in text and f"On {long_date(LETTER_DATE)}" in text
    assert "next tax-roll file" in text


# --- (c, d) the store: same request, same file; never a second version -----------------------------------


def test_rendering_again_returns_the_stored_letter(tmp_path: Path) -> None:
    case = CaseFile(PACKS["ontario"][0], "ON-PS-EXTERIOR", PARCEL, COMPLAINANT, OFFICER)
    request = _request(case, LetterKind.NOTICE_OF_VIOLATION, key="notice-2")
    first = LetterRenderer(tmp_path).render_letter(request)
    again = LetterRenderer(tmp_path).render_letter(request)
    assert first.path == again.path == f"{CASE_NUMBER}/notice-2-notice_of_violation.docx"
    assert first.sha256 == again.sha256
    assert not first.already_stored and again.already_stored
    stored = (tmp_path / first.path).read_bytes()
    assert first.sha256 == hashlib.sha256(stored).hexdigest() and first.size == len(stored)
    template = (TEMPLATES_DIR / "notice_of_violation.docx").read_bytes()
    assert first.template == "notice_of_violation.docx"
    assert first.template_sha256 == hashlib.sha256(template).hexdigest()
    # One letter (beside it, its PDF when LibreOffice is installed): the second render wrote nothing.
    stored_names = sorted(p.name for p in (tmp_path / CASE_NUMBER).iterdir())
    assert stored_names in (
        ["notice-2-notice_of_violation.docx"],
        ["notice-2-notice_of_violation.docx", "notice-2-notice_of_violation.pdf"],
    )


def test_a_different_letter_under_the_same_key_is_refused(tmp_path: Path) -> None:
    case = CaseFile(PACKS["default"][0], "PS-EXTERIOR", PARCEL, COMPLAINANT, OFFICER)
    request = _request(case, LetterKind.NOTICE_OF_VIOLATION, key="notice-2")
    stored = LetterRenderer(tmp_path).render_letter(request)
    changed = request.model_copy(
        update={"context": request.context.model_copy(update={"letter_date": date(2026, 3, 3)})}
    )
    with pytest.raises(ApplicationError, match="already exists with a different hash") as refused:
        LetterRenderer(tmp_path).render_letter(changed)
    assert refused.value.non_retryable
    assert hashlib.sha256((tmp_path / stored.path).read_bytes()).hexdigest() == stored.sha256


def test_rendering_is_deterministic(tmp_path: Path) -> None:
    """Bytes depend on the template and the context only: the package is dated by the letter, not the clock."""
    case = CaseFile(PACKS["default"][0], "PS-EXTERIOR", PARCEL, COMPLAINANT, OFFICER)
    request = _request(case, LetterKind.FINE_NOTICE)
    template = (TEMPLATES_DIR / "fine_notice.docx").read_bytes()
    data = render_docx(template, request.context)
    assert render_docx(template, request.context) == data
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        assert {info.date_time for info in package.infolist()} == {(2026, 3, 2, 0, 0, 0)}
    properties = docx.Document(io.BytesIO(data)).core_properties
    assert properties.created is not None and properties.created.date() == LETTER_DATE
    assert properties.modified == properties.created
    assert properties.title == f"Case {CASE_NUMBER} – fine notice"


def test_a_pdf_is_optional_and_never_fails_the_letter(tmp_path: Path) -> None:
    case = CaseFile(PACKS["default"][0], "PS-EXTERIOR", PARCEL, COMPLAINANT, OFFICER)
    request = _request(case, LetterKind.COURTESY_NOTICE)
    broken = LetterRenderer(tmp_path, office="/bin/false")
    issued = broken.render_letter(request)
    assert issued.pdf_path is not None and issued.pdf_sha256 is None  # issued; its PDF follows
    with pytest.raises(PdfUnavailable, match="PDF conversion failed"):
        broken.pdfs.make(issued.path)
    assert not (tmp_path / issued.pdf_path).exists()
    without = LetterRenderer(tmp_path, office="").render_letter(request)
    assert without.already_stored and without.pdf_path is None
    assert without.pdf_unavailable_reason == "neither libreoffice nor soffice is on PATH"
    renderer = LetterRenderer(tmp_path)
    result = renderer.render_letter(request)
    if result.pdf_path is not None:
        made = renderer.pdfs.make(result.path)
        pdf = (tmp_path / made.path).read_bytes()
        assert pdf.startswith(b"%PDF") and made.sha256 == hashlib.sha256(pdf).hexdigest()
        assert renderer.render_letter(request).pdf_sha256 == made.sha256  # a retry finds it made


def test_a_fine_notice_links_to_paying_online_only_when_the_city_takes_cards(tmp_path: Path) -> None:
    case = CaseFile(PACKS["default"][0], "PS-EXTERIOR", PARCEL, COMPLAINANT, OFFICER)
    without = _owner_context(case, LetterKind.FINE_NOTICE)
    with_link = without.model_copy(update={"pay_url": f"https://riverton.example/portal/owner/{CASE_NUMBER}"})
    texts = {}
    for name, context in (("without", without), ("with", with_link)):
        request = RenderRequest(
            case_number=CASE_NUMBER, kind=LetterKind.FINE_NOTICE, business_key=name, context=context
        )
        stored = LetterRenderer(tmp_path).render_letter(request)
        texts[name] = letter_text((tmp_path / stored.path).read_bytes())
    assert f"Pay online by card: https://riverton.example/portal/owner/{CASE_NUMBER}" in texts["with"]
    assert "Pay online by card" not in texts["without"]

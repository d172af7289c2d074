"""No owner letter carries the complainant: every owner-facing letter, built by the real letter activities from a
case on record whose complaint names a complainant, checked in every part of its .docx and in its PDF's text.

The letters are built as the worker builds them (`activities/letters.py` reads the case, its officer and its
records itself), so this fails if the builder ever takes anything from the complainant's record.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlmodel import select

from activities.letters import NoticeLetterActivities
from activities.property import PropertyActivities
from adapters.letter_pdf import settle_pdfs
from adapters.letter_renderer import LetterRenderer
from config.settings import CONFIG_DIR
from domain.case import FineRecord, NoticeRecord, Observation, ParcelFacts
from domain.city import load_city
from domain.notices import (
    OWNER_LETTERS,
    SERVED_LETTERS,
    CaseLetter,
    CostItem,
    DecisionTerms,
    ExtensionTerms,
    HearingTerms,
    LetterKind,
    LienTerms,
    RemediationTerms,
    RenderedDocument,
    ServedNotice,
)
from domain.policy import CasePolicy, load_policy
from domain.stages import Decision, HearingKind, Outcome, ServiceMethod
from records.db import SessionFactory, make_engine, session_factory
from records.intake import ComplainantDetails
from records.tables import Officer
from tests.conftest import prepare_database
from tests.helpers import file_case
from tests.test_notice_letters import letter_text, package_text

PACKS = {
    "default": (CONFIG_DIR / "policy.toml", "PS-EXTERIOR"),
    "ontario": (CONFIG_DIR / "policies" / "ontario.toml", "ON-PS-EXTERIOR"),
}
ADDRESS = "173 Maple Dr"  # an absentee owner: the letters go to a mailing address that is not the property
# Distinctive, so that finding any of it in a letter cannot be a coincidence.
NAME, EMAIL, PHONE = "Quentin Zebulon-Marchetti", "qz.marchetti.watch@example.net", "+15550199876"
HOME = "4471 Wexbridge Hollow Rd"  # where the complainant lives, written into the complaint
DESCRIPTION = f"Porch railing hanging loose. I am {NAME} of {HOME}; call me on {PHONE} or write to {EMAIL}."
PHONE_AS_TYPED = "ph. (555) 019-9876"  # as an officer writes it down, not as the roll stores it
FORBIDDEN = (NAME, "Zebulon", "Marchetti", EMAIL, "marchetti.watch", HOME, "Wexbridge", PHONE, "0199876")


@dataclass
class Case:
    number: str
    policy: CasePolicy
    parcel: ParcelFacts
    officer_id: int


def _case_on_record(sessions: SessionFactory, policy_file: Path, code: str) -> Case:
    policy = load_policy(policy_file)
    complainant = ComplainantDetails(name=NAME, email=EMAIL, phone=PHONE)
    case, start = file_case(sessions, policy, code, ADDRESS, complainant, DESCRIPTION)
    # Every notice the pack issues, so each served-notice letter (courtesy, order, fine) is built for this case.
    snapshot = start.policy.model_copy(update={"notices": dict(policy.notice_types)})
    with sessions() as session:
        officer = session.exec(select(Officer)).first()
    assert officer is not None and officer.id is not None
    return Case(case.case_number, snapshot, PropertyActivities(sessions).lookup_parcel(case.parcel_id), officer.id)


def _every_owner_letter(letters: NoticeLetterActivities, case: Case) -> list[tuple[str, RenderedDocument]]:
    policy, zone = case.policy, case.policy.calendar.zone
    issued = datetime(2026, 3, 2, 15, tzinfo=UTC)
    served = issued + timedelta(days=1)
    deadline = served + timedelta(days=30)
    rendered: list[tuple[str, RenderedDocument]] = []
    notice: NoticeRecord | None = None
    # Officers type findings freely; one who names the neighbour who showed the way must not reach the owner.
    observed = Observation(
        conditions=("Guard rail missing or loose", f"Seen with {NAME} from next door; {PHONE_AS_TYPED}, {EMAIL}."),
        inspected_at=issued,
    )
    for seq, (code, notice_kind) in enumerate(policy.notices.items(), start=1):
        notice = NoticeRecord(
            seq=seq,
            notice_type=code,
            title=notice_kind.title,
            issued_at=issued,
            created_by="officer",
            served_at=served,
            service_method=ServiceMethod.MAIL,
            appeal_deadline=deadline - timedelta(days=10) if notice_kind.appealable else None,
            served_by="officer",
        )
        fine = FineRecord(seq=1, amount=Decimal(100), issued_at=issued, due_at=deadline) if notice_kind.fine else None
        served_notice = ServedNotice(
            case_number=case.number,
            notice=notice,
            policy=policy,
            parcel=case.parcel,
            officer_id=case.officer_id,
            compliance_deadline=deadline,
            fine=fine,
            fines_levied=1 if fine else 0,
            observed=observed,
        )
        rendered.append((code, letters.render_served_notice(served_notice)))
    assert notice is not None
    on = date(2026, 4, 1)
    hearing = HearingTerms(kind=HearingKind.APPEAL, at=deadline + timedelta(days=5), location="Council Chambers")
    terms: dict[LetterKind, dict[str, object]] = {
        LetterKind.REINSPECTION_NOTICE: {"reinspection_at": deadline + timedelta(days=2)},
        LetterKind.EXTENSION_GRANTED: {
            "extension": ExtensionTerms(requested_on=on, requested_days=14, granted_days=14, reason="parts on order")
        },
        LetterKind.EXTENSION_DENIED: {
            "extension": ExtensionTerms(requested_on=on, requested_days=60, reason="too long for a safety hazard")
        },
        LetterKind.NOTICE_OF_HEARING: {"hearing": hearing},
        LetterKind.HEARING_DECISION: {
            "hearing": hearing,
            "decision": DecisionTerms(decision=Decision.UPHELD, reason="the order stands", decided_on=on),
        },
        LetterKind.REMEDIATION_NOTICE: {
            "remediation": RemediationTerms(
                scope="rebuild the porch railing",
                completed_on=on,
                costs=(CostItem(description="Contractor", amount=Decimal(850)),),
                payment_due_on=on + timedelta(days=30),
            )
        },
        LetterKind.LIEN_NOTICE: {
            "lien": LienTerms(
                amount=Decimal(950),
                recorded_on=on,
                reference="LIEN-1",
                items=(CostItem(description="Fine 1", amount=Decimal(100)),),
            )
        },
        LetterKind.LIEN_RELEASE: {
            "lien": LienTerms(
                amount=Decimal(950), recorded_on=on, reference="LIEN-1", released_on=on + timedelta(days=40)
            )
        },
        LetterKind.CLOSURE_OWNER: {"outcome": Outcome.ORDER_COMPLIANCE},
    }
    assert set(terms) == OWNER_LETTERS - SERVED_LETTERS  # a letter added to the set must be added here
    for number, (kind, extra) in enumerate(terms.items(), start=1):
        letter = CaseLetter(
            case_number=case.number,
            kind=kind,
            business_key=f"letter-{number}",
            policy=policy,
            parcel=case.parcel,
            officer_id=case.officer_id,
            written_at=datetime.combine(on, datetime.min.time(), tzinfo=zone),
            delivery="mail",
            notice=notice,
            compliance_deadline=deadline,
            observed=observed,
            **extra,
        )
        rendered.append((kind.value, letters.render_case_letter(letter)))
    assert {d.kind for _, d in rendered} == OWNER_LETTERS
    return rendered


def _pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True).stdout


@pytest.mark.parametrize("pack", PACKS)
def test_no_owner_letter_built_for_a_case_carries_the_complainant(tmp_path: Path, pack: str) -> None:
    if not (shutil.which("soffice") or shutil.which("libreoffice")) or not shutil.which("pdftotext"):
        pytest.fail("LibreOffice and pdftotext are missing: run scripts/setup")
    sessions = session_factory(make_engine(prepare_database(f"sqlite:///{tmp_path / 'abate.sqlite3'}")))
    case = _case_on_record(sessions, *PACKS[pack])
    store = tmp_path / "documents"
    letters = NoticeLetterActivities(
        sessions,
        LetterRenderer(store),
        load_city(CONFIG_DIR / "demo_city" / "city.toml"),
        access_secret=b"test-secret-key-that-is-long-enough",
        portal_url="https://riverton.example/portal/owner",
    )
    rendered = _every_owner_letter(letters, case)
    assert settle_pdfs(300)  # the PDFs follow their letters (adapters/letter_pdf.py)
    for name, document in rendered:
        data = (store / document.path).read_bytes()
        assert document.pdf_path is not None, document.pdf_unavailable_reason
        pdf = _pdf_text(store / document.pdf_path)
        readable = letter_text(data) + "\n" + pdf
        assert case.parcel.owner_name in readable and case.number in readable  # the letter is the owner's
        if document.kind in SERVED_LETTERS:  # the officer's findings are printed, with the complainant withheld
            assert "Guard rail missing or loose" in readable and "Seen with [withheld] from next door" in readable
        everything = package_text(data) + "\n" + pdf
        for value in FORBIDDEN:
            assert value not in everything, f"the {name} letter ({pack}) shows the complainant's {value!r}"
        # However a phone number is written: (555) 019-9876, 555.019.9876 …
        assert "5550199876" not in re.sub(r"\D", "", readable), f"the {name} letter ({pack}) shows the phone"

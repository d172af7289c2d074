"""One model for a stored letter, nested wherever a letter is kept; cases and rows recorded before it carried
the letter's fields flat, and they still read."""

from __future__ import annotations

from datetime import UTC, datetime

from api.schemas import FailedServicePublic
from domain.case import FailedService, LetterDocument, NoticeRecord
from domain.stages import ServiceMethod

AT = datetime(2026, 11, 2, 15, tzinfo=UTC)


def test_a_notice_recorded_flat_reads_its_letter() -> None:
    old = {
        "seq": 1,
        "notice_type": "notice_of_violation",
        "title": "Notice of violation",
        "issued_at": AT.isoformat(),
        "template": "notice_of_violation.docx",
        "template_version": "t" * 64,
        "document_path": "CE-2026-000001/letter-1.docx",
        "document_sha256": "d" * 64,
        "pdf_path": None,
        "pdf_sha256": None,
        "pdf_unavailable_reason": "neither libreoffice nor soffice is on PATH",
    }
    notice = NoticeRecord.model_validate(old)
    assert notice.letter == LetterDocument(
        path="CE-2026-000001/letter-1.docx",
        sha256="d" * 64,
        template="notice_of_violation.docx",
        template_version="t" * 64,
        pdf_unavailable_reason="neither libreoffice nor soffice is on PATH",
    )
    # An unserved notice of that time had the fields, all empty: no letter.
    unserved = {**old, "template": None, "template_version": None, "document_path": None, "document_sha256": None}
    assert NoticeRecord.model_validate(unserved).letter is None


def test_a_failed_service_stored_flat_still_links_its_letter() -> None:
    stored = {
        "method": "email",
        "attempted_at": AT.isoformat(),
        "failed_at": AT.isoformat(),
        "reason": "bounced (550 no such user)",
        "document_sha256": "d" * 64,
        "document_path": "CE-2026-000001/notice-1.docx",
        "pdf_path": "CE-2026-000001/notice-1.pdf",
        "pdf_sha256": "p" * 64,
    }
    failed = FailedService.model_validate(stored)
    assert failed.method is ServiceMethod.EMAIL and failed.letter is not None
    assert failed.letter.pdf_path == "CE-2026-000001/notice-1.pdf"
    public = FailedServicePublic.of(stored)
    assert public.document_sha256 == "d" * 64 and public.pdf_sha256 == "p" * 64
    assert public.document_url is not None and public.document_url.endswith("notice-1.docx")
    # Stored the new way, the same answer.
    assert FailedServicePublic.of(failed.model_dump(mode="json")) == public

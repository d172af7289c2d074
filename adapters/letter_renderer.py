"""Letters rendered from the Word templates (docxtpl) into the immutable document store, with their sha256.

A stored letter is a legal record: it is written once, under `<store>/<case number>/<business key>-<kind>.docx`,
and never replaced. Rendering is deterministic (the zip entries and the core properties carry the letter date,
not the clock), so a retried activity produces the same bytes and finds its own file already there.
"""

from __future__ import annotations

import io
import shutil
import zipfile
from collections.abc import MutableMapping
from datetime import UTC, date, datetime, time
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from docxtpl import DocxTemplate
from jinja2 import StrictUndefined, Template, TemplateError, nodes, pass_context
from jinja2.runtime import Context
from jinja2.sandbox import SandboxedEnvironment
from temporalio.exceptions import ApplicationError

from adapters.document_store import sha256_of, store_once
from adapters.letter_pdf import NO_OFFICE, LetterPdfs, pdf_path_of
from adapters.office import pdf_converter
from config.settings import PROJECT_ROOT
from domain.notices import (
    ComplainantLetterContext,
    LetterContext,
    RenderedDocument,
    RenderRequest,
    capfirst,
    clock,
    deadline_text,
    local_time,
    long_date,
    money,
    money_list,
    phone_text,
    sentence,
    service_words,
    weekday_date,
)

TEMPLATES_DIR = PROJECT_ROOT / "templates" / "notices"


def _day(ctx: Context, value: date | datetime) -> date:
    return local_time(value, ctx["timezone"]).date() if isinstance(value, datetime) else value


@pass_context
def _long_date(ctx: Context, value: date | datetime) -> str:
    return long_date(_day(ctx, value))


@pass_context
def _weekday_date(ctx: Context, value: date | datetime) -> str:
    return weekday_date(_day(ctx, value))


@pass_context
def _clock(ctx: Context, value: datetime) -> str:
    return clock(local_time(value, ctx["timezone"]))


@pass_context
def _when(ctx: Context, value: datetime) -> str:
    return deadline_text(value, ctx["timezone"])


class _LetterEnvironment(SandboxedEnvironment):
    """Compiles each part of a template once: docxtpl hands over a part's XML for every letter, and compiling it
    was half the cost of rendering one. Compiled templates are immutable and render safely from many threads."""

    @lru_cache(maxsize=512)  # noqa: B019 - one environment per process (letter_environment), never freed
    def _compiled(self, source: str) -> Template:
        return super().from_string(source)

    def from_string(
        self,
        source: str | nodes.Template,
        globals: MutableMapping[str, Any] | None = None,
        template_class: type[Template] | None = None,
    ) -> Template:
        if isinstance(source, str) and globals is None and template_class is None:
            return self._compiled(source)
        return super().from_string(source, globals, template_class)


@cache
def letter_environment() -> SandboxedEnvironment:
    """The Jinja environment of every letter: escaped for XML, loud on a missing value, sandboxed because
    city staff edit the templates in Word."""
    env = _LetterEnvironment(autoescape=True, undefined=StrictUndefined)
    env.filters.update(
        long_date=_long_date,
        weekday_date=_weekday_date,
        clock=_clock,
        when=_when,
        money=money,
        money_list=money_list,
        sentence=sentence,
        phone=phone_text,
        capfirst=capfirst,
        service=service_words,
    )
    return env


def template_values(context: LetterContext | ComplainantLetterContext) -> dict[str, Any]:
    """The context's fields as the template sees them (models stay objects, so filters get dates and Decimals),
    plus what is derived from them."""
    values: dict[str, Any] = {name: getattr(context, name) for name in type(context).model_fields}
    values["authority"] = context.authority
    if isinstance(context, LetterContext):
        values["lien_warning"] = context.lien_warning
    return values


def deterministic_docx(data: bytes, stamp: datetime) -> bytes:
    """The same package with every zip entry dated `stamp`: python-docx dates entries with the clock."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            entry = zipfile.ZipInfo(item.filename, date_time=stamp.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.create_system = 3
            entry.external_attr = 0o644 << 16
            target.writestr(entry, source.read(item.filename))
    return out.getvalue()


class _LetterTemplate(DocxTemplate):
    """Cleans each part's XML once: before rendering, docxtpl joins the tags Word splits across runs, with some
    thirty regular expressions over the part; the result depends on the template alone, and was a third of the
    time a letter took."""

    def patch_xml(self, src_xml: str) -> str:
        return _cleaned(src_xml)


_CLEANER = DocxTemplate(io.BytesIO())  # patch_xml reads nothing of its instance


@lru_cache(maxsize=512)
def _cleaned(src_xml: str) -> str:
    return str(_CLEANER.patch_xml(src_xml))


def render_docx(template: bytes, context: LetterContext | ComplainantLetterContext) -> bytes:
    """The letter's bytes: a pure function of the template and the context."""
    document = _LetterTemplate(io.BytesIO(template))
    document.render(template_values(context), jinja_env=letter_environment(), autoescape=True)
    stamp = datetime.combine(context.letter_date, time(), tzinfo=UTC)
    properties = document.docx.core_properties
    properties.created = stamp
    properties.modified = stamp
    properties.revision = 1
    properties.last_modified_by = "Abate"
    buffer = io.BytesIO()
    document.save(buffer)
    return deterministic_docx(buffer.getvalue(), stamp)


class LetterRenderer:
    """Renders a letter from its Word template into the document store; its PDF copy follows when LibreOffice can
    make one."""

    def __init__(self, store_dir: Path, templates_dir: Path = TEMPLATES_DIR, office: str | None = None) -> None:
        self._store = store_dir
        self._templates = templates_dir
        office = office if office is not None else (shutil.which("libreoffice") or shutil.which("soffice"))
        self.pdfs = LetterPdfs(store_dir, pdf_converter(office) if office else None)

    def render_letter(self, request: RenderRequest) -> RenderedDocument:
        template_path = self._templates / request.kind.template_name
        if not template_path.is_file():
            raise ApplicationError(
                f"no template for the {request.kind.value} letter at {template_path} "
                "(scripts/make_notice_templates.py writes them)",
                type="TemplateMissing",
                non_retryable=True,
            )
        template = template_path.read_bytes()
        try:
            data = render_docx(template, request.context)
        except TemplateError as exc:
            # The same template and context fail the same way on every retry.
            raise ApplicationError(
                f"template {request.kind.template_name} did not render: {exc}", type="TemplateError", non_retryable=True
            ) from exc
        relative = f"{request.case_number}/{request.filename}"
        written = store_once(self._store / relative, data, relative)
        return RenderedDocument(
            case_number=request.case_number,
            kind=request.kind,
            business_key=request.business_key,
            path=relative,
            sha256=sha256_of(data),
            size=len(data),
            template=request.kind.template_name,
            template_sha256=sha256_of(template),
            already_stored=not written,
            **self._pdf_beside(relative),
        )

    def _pdf_beside(self, relative: str) -> dict[str, Any]:
        """Where the letter's PDF is to be, and its hash if a retry finds it made; it is made after the letter is
        issued (`adapters/letter_pdf.py`). Without LibreOffice the letter is issued without one, saying why."""
        if not self.pdfs.available:
            return {"pdf_unavailable_reason": NO_OFFICE}
        made = self.pdfs.stored(relative)
        if made is None:
            return {"pdf_path": pdf_path_of(relative)}
        return {"pdf_path": made.path, "pdf_sha256": made.sha256, "pdf_size": made.size}

"""Builds the letter templates `templates/notices/<kind>.docx` (docxtpl: Word documents holding Jinja tags).

    .venv/bin/python scripts/make_notice_templates.py

The committed templates are this script's output, byte for byte (the package is dated 2026-01-01, not by the
clock). A city may instead edit the .docx files in Word and stop running the script; `templates/notices/README.md`
lists the fields and filters each letter can use.

Every sentence here reads right under either policy pack: what varies by pack (the notice's title, statute and
appeal route, "the City" or "the Town") comes from the context, never from these words.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path

from docx import Document as new_document
from docx.document import Document
from docx.enum.section import WD_SECTION_START
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Inches, Pt, RGBColor
from docx.table import _Cell, _Row
from docx.text.paragraph import Paragraph

from adapters.letter_renderer import TEMPLATES_DIR, deterministic_docx
from domain.notices import LetterKind

BUILT = datetime(2026, 1, 1, tzinfo=UTC)
NAVY = RGBColor(0x1F, 0x38, 0x64)
GREY = RGBColor(0x59, 0x59, 0x59)
HEADER_FILL = "DCE3EE"
TEXT_WIDTH = Inches(6.5)
FONT = "Arial"


# --- Formatting ------------------------------------------------------------------------------------------


_AFTER_BORDER = (
    "w:shd", "w:tabs", "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap", "w:overflowPunct", "w:topLinePunct",
    "w:autoSpaceDE", "w:autoSpaceDN", "w:bidi", "w:adjustRightInd", "w:snapToGrid", "w:spacing", "w:ind",
    "w:contextualSpacing", "w:mirrorIndents", "w:suppressOverlap", "w:jc", "w:textDirection", "w:textAlignment",
    "w:textboxTightWrap", "w:outlineLvl", "w:divId", "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange",
)  # fmt: skip


def _bottom_border(paragraph: Paragraph, colour: str = "1F3864", size: int = 12) -> None:
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", str(size)), ("w:space", "4"), ("w:color", colour)):
        bottom.set(qn(key), value)
    borders.append(bottom)
    # Word refuses a paragraph property out of the schema's order: the border goes before tabs and spacing.
    paragraph._p.get_or_add_pPr().insert_element_before(borders, *_AFTER_BORDER)


def _field(paragraph: Paragraph, instruction: str, size: float) -> None:
    """A Word field (PAGE, NUMPAGES) that Word and LibreOffice fill in when they lay the letter out."""
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), instruction)
    run = paragraph.add_run("1")
    run.font.size = Pt(size)
    run.font.color.rgb = GREY
    field.append(run._r)
    paragraph._p.append(field)


def _shade(cell: _Cell, fill: str) -> None:
    shading = OxmlElement("w:shd")
    for key, value in (("w:val", "clear"), ("w:color", "auto"), ("w:fill", fill)):
        shading.set(qn(key), value)
    cell._tc.get_or_add_tcPr().append(shading)


def _repeat_as_header(row: _Row) -> None:
    marker = OxmlElement("w:tblHeader")
    marker.set(qn("w:val"), "true")
    row._tr.get_or_add_trPr().append(marker)


def _runs(paragraph: Paragraph, text: str, size: float | None = None, colour: RGBColor | None = None) -> Paragraph:
    """Adds `text` as runs, bold between ** marks. A Jinja tag never spans a run boundary."""
    for index, part in enumerate(re.split(r"\*\*", text)):
        if not part:
            continue
        run = paragraph.add_run(part)
        run.bold = index % 2 == 1 or None
        if size is not None:
            run.font.size = Pt(size)
        if colour is not None:
            run.font.color.rgb = colour
    return paragraph


class Letter:
    """One letter template under construction: page, letterhead, footer, then the body in reading order."""

    def __init__(self, kind: LetterKind, running_title: str) -> None:
        self.kind = kind
        self.doc: Document = new_document()
        self._page()
        self._styles()
        self._letterhead(running_title)
        self._footer()
        self._properties()

    def _page(self) -> None:
        section = self.doc.sections[0]
        section.start_type = WD_SECTION_START.NEW_PAGE
        section.page_width, section.page_height = Inches(8.5), Inches(11)
        section.left_margin = section.right_margin = Inches(1)
        section.top_margin, section.bottom_margin = Inches(1), Inches(0.9)
        section.header_distance, section.footer_distance = Inches(0.45), Inches(0.4)
        section.different_first_page_header_footer = True

    def _styles(self) -> None:
        normal = self.doc.styles["Normal"]
        normal.font.name = FONT
        normal.font.size = Pt(10)
        normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), FONT)
        fmt = normal.paragraph_format
        fmt.space_before, fmt.space_after, fmt.line_spacing = Pt(0), Pt(6), 1.1
        bullet = self.doc.styles["List Bullet"]
        bullet.paragraph_format.space_after = Pt(3)

    def _letterhead(self, running_title: str) -> None:
        section = self.doc.sections[0]
        first = section.first_page_header
        name = first.paragraphs[0]
        _runs(name, "{{ city.name }}", size=18, colour=NAVY).runs[0].bold = True
        name.paragraph_format.space_after = Pt(0)
        department = first.add_paragraph()
        _runs(department, "{{ city.department }}", size=10.5, colour=NAVY)
        department.paragraph_format.space_after = Pt(2)
        contacts = first.add_paragraph()
        _runs(
            contacts,
            "{{ city.address }}  ·  {{ city.phone|phone }}  ·  {{ city.email }}  ·  {{ city.website }}",
            8,
            GREY,
        )
        contacts.paragraph_format.space_after = Pt(0)
        _bottom_border(contacts)

        later = section.header.paragraphs[0]
        later.paragraph_format.tab_stops.add_tab_stop(TEXT_WIDTH, WD_TAB_ALIGNMENT.RIGHT)
        _runs(later, f"{{{{ city.name }}}}  ·  Case {{{{ case_number }}}}\t{running_title}", 8, GREY)
        _bottom_border(later, colour="A6A6A6", size=4)

    def _footer(self) -> None:
        section = self.doc.sections[0]
        for footer in (section.first_page_footer, section.footer):
            line = footer.paragraphs[0]
            line.paragraph_format.tab_stops.add_tab_stop(TEXT_WIDTH, WD_TAB_ALIGNMENT.RIGHT)
            _runs(line, "{{ city.department }}  ·  {{ city.phone|phone }}  ·  {{ city.email }}\tPage ", 8, GREY)
            _field(line, "PAGE", 8)
            _runs(line, " of ", 8, GREY)
            _field(line, "NUMPAGES", 8)

    def _properties(self) -> None:
        props = self.doc.core_properties
        props.title = f"Case {{{{ case_number }}}} – {self.kind.value.replace('_', ' ')}"
        props.subject = self.kind.value
        props.author = "Abate"
        props.last_modified_by = "Abate"
        props.comments = "Rendered by Abate from templates/notices (docxtpl)."
        props.keywords = "code enforcement"
        props.created = props.modified = BUILT
        props.revision = 1
        # python-docx's blank document carries a thumbnail of some other page: drop it.
        package = self.doc.part.package
        for rel_id, rel in list(package.rels.items()):
            if rel.reltype == RT.THUMBNAIL:
                del package.rels[rel_id]

    # --- Body --------------------------------------------------------------------------------------------

    def para(
        self,
        text: str = "",
        *,
        align: WD_ALIGN_PARAGRAPH | None = None,
        after: float | None = None,
        before: float | None = None,
        size: float | None = None,
        colour: RGBColor | None = None,
        italic: bool = False,
        keep: bool = False,
        style: str | None = None,
    ) -> Paragraph:
        paragraph = self.doc.add_paragraph(style=style)
        _runs(paragraph, text, size, colour)
        if italic:
            for run in paragraph.runs:
                run.italic = True
        fmt = paragraph.paragraph_format
        if align is not None:
            fmt.alignment = align
        if after is not None:
            fmt.space_after = Pt(after)
        if before is not None:
            fmt.space_before = Pt(before)
        if keep:
            fmt.keep_with_next = True
        return paragraph

    def tag(self, statement: str) -> None:
        """A paragraph-level docxtpl tag (`{%p if … %}`): the paragraph holding it disappears on rendering."""
        self.para(f"{{%p {statement} %}}", after=0)

    def heading(self, text: str) -> None:
        paragraph = self.para(text, before=10, after=3, size=10, colour=NAVY, keep=True)
        for run in paragraph.runs:
            run.bold = True
            run.font.all_caps = True

    def bullet(self, text: str) -> None:
        self.para(text, style="List Bullet")

    def bullets_if(self, *items: tuple[str, str]) -> None:
        for condition, text in items:
            self.tag(f"if {condition}")
            self.bullet(text)
            self.tag("endif")

    def title(self, text: str, statute: bool = False) -> None:
        paragraph = self.para(text, align=WD_ALIGN_PARAGRAPH.CENTER, before=12, after=2 if statute else 12, size=13)
        for run in paragraph.runs:
            run.bold = True
            run.font.all_caps = True
            run.font.color.rgb = NAVY
        if statute:
            self.tag("if notice.statute")
            self.para(
                "Issued under {{ notice.statute }}", align=WD_ALIGN_PARAGRAPH.CENTER, after=12, size=9, italic=True
            )
            self.tag("endif")

    def table(
        self,
        headers: list[str],
        row: list[list[str]],
        loop: str | None,
        widths: list[float],
        total: list[str] | None = None,
    ) -> None:
        """A bordered table with a shaded header row; `row` is repeated by a docxtpl `{%tr for … %}` loop."""
        rows = 1 + (3 if loop else 1) + (1 if total else 0)
        table = self.doc.add_table(rows=rows, cols=len(headers))
        table.style = self.doc.styles["Table Grid"]
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        table.autofit = False

        def fill(cell: _Cell, lines: list[str], bold: bool = False) -> None:
            cell.paragraphs[0].text = ""
            for index, line in enumerate(lines):
                paragraph = cell.paragraphs[0] if index == 0 else cell.add_paragraph()
                _runs(paragraph, line, size=9)
                paragraph.paragraph_format.space_after = Pt(2)
                if bold:
                    for run in paragraph.runs:
                        run.bold = True

        for cell, header in zip(table.rows[0].cells, headers, strict=True):
            fill(cell, [header], bold=True)
            _shade(cell, HEADER_FILL)
        _repeat_as_header(table.rows[0])
        body = 1
        if loop:
            table.rows[1].cells[0].paragraphs[0].text = f"{{%tr for {loop} %}}"
            table.rows[3].cells[0].paragraphs[0].text = "{%tr endfor %}"
            body = 2
        for cell, lines in zip(table.rows[body].cells, row, strict=True):
            fill(cell, lines)
        if total:
            for cell, text in zip(table.rows[-1].cells, total, strict=True):
                fill(cell, [text], bold=True)
        for table_row in table.rows:
            for cell, width in zip(table_row.cells, widths, strict=True):
                cell.width = Inches(width)
        self.para("", after=4)

    def save(self, path: Path) -> None:
        _keep_only_used_styles(self.doc)
        buffer = BytesIO()
        self.doc.save(buffer)
        path.write_bytes(deterministic_docx(buffer.getvalue(), BUILT))


# python-docx's blank document defines about 160 styles, and again in a Word 2010 copy (stylesWithEffects): 790 KB
# of XML that every letter carried and compressed again, two thirds of the time it took to render one. A template
# keeps the styles it uses, what they are based on, linked to or followed by, and the defaults; the latent style
# list stays, so Word still offers its built-in styles to whoever edits the template.
_STYLE_REFERENCES = "|".join(
    f".//w:{tag}/@w:val" for tag in ("pStyle", "rStyle", "tblStyle", "numStyleLink", "styleLink")
)
_UNUSED_PARTS = (RT.CUSTOM_XML, "http://schemas.microsoft.com/office/2007/relationships/stylesWithEffects")


def _keep_only_used_styles(doc: Document) -> None:
    for rel_id, rel in list(doc.part.rels.items()):
        if rel.reltype in _UNUSED_PARTS:
            doc.part.drop_rel(rel_id)
    styles = doc.styles.element
    used: set[str] = set()
    for part in doc.part.package.iter_parts():
        element = getattr(part, "element", None)
        if element is not None and element is not styles:
            used.update(element.xpath(_STYLE_REFERENCES))
    by_id = {style.get(qn("w:styleId")): style for style in styles.findall(qn("w:style"))}
    used.update(style_id for style_id, style in by_id.items() if style.get(qn("w:default")) in ("1", "true", "on"))
    pending = list(used)
    while pending:
        style = by_id.get(pending.pop())
        if style is None:
            continue
        for relation in ("w:basedOn", "w:link", "w:next"):
            found = style.find(qn(relation))
            if found is not None and found.get(qn("w:val")) not in used:
                used.add(found.get(qn("w:val")))
                pending.append(found.get(qn("w:val")))
    for style_id, style in by_id.items():
        if style_id not in used:
            styles.remove(style)


# --- Parts several letters share --------------------------------------------------------------------------

FOLLOWS = "the {{ notice.title }}{% if notice.issued_on %} issued on {{ notice.issued_on|long_date }}{% endif %}"


def owner_opening(letter: Letter, title: str, *, statute: bool = False, served: bool = False) -> None:
    letter.para("{{ letter_date|long_date }}", after=2)
    letter.para("Reference: **Case {{ case_number }}**", after=2 if served else 14)
    if served:
        letter.tag("if service_method")
        letter.para("Served by {{ service_method|service }}", after=14, italic=True, size=9)
        letter.tag("endif")
    letter.para("{{ recipient.name }}", after=0)
    letter.tag("for line in recipient.address_lines")
    letter.para("{{ line }}", after=0)
    letter.tag("endfor")
    letter.para("RE:  **{{ parcel.address }}**  (parcel {{ parcel.parcel_id }})", before=14, after=0)
    letter.title(title, statute=statute)
    letter.para("Dear {{ recipient.name }}:")
    letter.tag("if owner_access")
    letter.para(
        "You can read this case, report that the work is done, ask for more time or appeal online at "
        "{{ owner_access.url }}: enter the case number **{{ case_number }}** and the access code "
        "**{{ owner_access.code }}**.",
        size=9,
        italic=True,
    )
    letter.tag("endif")


def complainant_opening(letter: Letter, title: str) -> None:
    letter.para("{{ letter_date|long_date }}", after=2)
    letter.para("Reference: **Case {{ case_number }}**  ·  tracking code {{ tracking_code }}", after=14)
    letter.para("{{ recipient.name }}", after=0)
    letter.tag("for line in recipient.address_lines")
    letter.para("{{ line }}", after=0)
    letter.tag("endfor")
    letter.tag("if recipient.email and not recipient.address_lines")
    letter.para("By e-mail to {{ recipient.email }}", after=0)
    letter.tag("endif")
    letter.para("RE:  Your report about **{{ property_address }}**", before=14, after=0)
    letter.title(title)
    letter.para("Dear {{ recipient.name }}:")


def violations_table(letter: Letter, heading: str = "Violations") -> None:
    letter.heading(heading)
    letter.table(
        ["Code section", "Violation", "Corrective action required"],
        [
            ["{{ v.section }}"],
            [
                "**{{ v.title }}**",
                "{{ v.description }}",
                "{% if v.conditions %}Observed: {{ v.conditions|join('; ') }}{% endif %}",
            ],
            ["{{ v.corrective_action }}"],
        ],
        loop="v in violations",
        widths=[1.35, 2.75, 2.4],
    )


def compliance_deadline(letter: Letter, lead: str = "You must correct every violation listed above by") -> None:
    letter.heading("Compliance deadline")
    letter.para(f"{lead} **{{{{ compliance_deadline|when }}}}**.")
    letter.para(
        "When the work is done, tell {{ officer.name }} (contact details below). {{ authority|capfirst }} will "
        "reinspect the property after the deadline to confirm that every violation has been corrected."
    )


def penalty(letter: Letter, lead: str) -> None:
    letter.heading("If you do not comply")
    letter.para(lead, keep=True)
    letter.bullets_if(
        (
            "penalty.fines",
            "{% if penalty.fines|length == 1 %}impose a fine of {{ penalty.fines[0]|money }} each time the "
            "violations are found uncorrected{% else %}impose fines of {{ penalty.fines|money_list }}, in that order, "
            "each time the violations are found uncorrected{% endif %};",
        ),
        ("penalty.hearing", "schedule a hearing on the violations;"),
        ("penalty.remediation", "have the work done by its own contractor and charge the full cost to you;"),
        ("penalty.lien", "add unpaid fines and costs to the property's tax roll as a lien against the property;"),
        ("penalty.prosecution", "refer the matter for prosecution in court;"),
        ("not penalty.applies", "take any further enforcement action the law allows;"),
    )
    letter.bullet("issue further notices and orders until the property complies.")


def lien_warning(letter: Letter) -> None:
    letter.tag("if lien_warning")
    letter.heading("Recovery of costs by lien")
    letter.para(
        "{{ authority|capfirst }} has the right to recover its costs. Unpaid fines, and the cost of any work "
        "{{ authority }} carries out because the violations are not corrected, may be added to the tax roll of the property "
        "and recorded as a lien against it, to be collected in the same manner as property taxes. A lien stays with "
        "the property if it is sold."
    )
    letter.tag("endif")


def appeal_rights(letter: Letter, what: str = "this notice", options: str = "Your options") -> None:
    letter.tag("if appeal.appealable")
    letter.heading("Your right to appeal")
    letter.para(f"You may appeal {what} to {{{{ appeal.to }}}}.")
    letter.para("The last day to appeal is **{{ appeal.deadline|when }}**.")
    letter.para("How to appeal: {{ appeal.how|sentence }}")
    letter.para(f"If no appeal is made by that date, {what} is final.")
    letter.tag("elif appeal.to")
    letter.heading(options)
    letter.para("{{ appeal.to|sentence }}")
    letter.tag("endif")


def service(letter: Letter, what: str = "This notice is served on you") -> None:
    letter.heading("Service")
    letter.para(
        f"{what}, as owner of record, by {{{{ service_method|service }}}}."
        "{% if service_method == 'mail' %} The deadlines in it already include the extra days allowed for delivery "
        "by mail.{% endif %}"
    )


PAY = (
    "To pay, quote case {{ case_number }} and pay online at {{ city.website }}, by telephone at {{ city.phone|phone }}, "
    "or in person at {{ city.address }}."
)


def fees_billed(letter: Letter) -> None:
    """Reinspection fees billed since the owner's last letter: every owner letter tells them, once."""
    letter.tag("if fees_billed")
    letter.heading("Reinspection fees")
    letter.para(
        "{{ authority|capfirst }} charges a fee for a reinspection that finds the violation not corrected. These "
        "fees were added to the account of case {{ case_number }}:"
    )
    letter.tag("for f in fees_billed")
    letter.bullet(
        "Reinspection {{ f.reinspection }} on {{ f.billed_on|long_date }}: **{{ f.amount|money }}**, due by "
        "{{ f.due_on|long_date }}"
    )
    letter.tag("endfor")
    letter.para(PAY)
    letter.tag("endif")


def officer_signature(letter: Letter, questions: bool = True) -> None:
    """Signs an owner letter, after the reinspection fees it has to tell."""
    fees_billed(letter)
    if questions:
        letter.para(
            "If you have questions, contact {{ officer.name }} at {{ officer.phone|phone }} or {{ officer.email }}, "
            "quoting case {{ case_number }}.",
            before=8,
        )
    letter.para(
        "If you need this letter in another language or format, call {{ city.phone|phone }}.",
        size=8.5,
        colour=GREY,
        italic=True,
    )
    letter.para("Sincerely,", before=10, after=26, keep=True)
    letter.para("**{{ officer.name }}**", after=0, keep=True)
    letter.para("{{ officer.title }}, badge {{ officer.badge }}", after=0, keep=True)
    letter.para("{{ city.department }}", after=0, keep=True)
    letter.para("Telephone {{ officer.phone|phone }}  ·  {{ officer.email }}", after=0)


def department_signature(letter: Letter) -> None:
    letter.para("Sincerely,", before=10, after=18, keep=True)
    letter.para("**{{ city.department }}**", after=0, keep=True)
    letter.para("{{ city.name }}", after=0, keep=True)
    letter.para("Telephone {{ city.phone|phone }}  ·  {{ city.email }}  ·  {{ city.website }}", after=0)


INSPECTED = "{% if inspected_on %} at an inspection on {{ inspected_on|long_date }}{% endif %}"


# --- The letters ---------------------------------------------------------------------------------------------


def acknowledgement() -> Letter:
    letter = Letter(LetterKind.ACKNOWLEDGEMENT, "Your report has been received")
    complainant_opening(letter, "Your report has been received")
    letter.para(
        "Thank you for your report of **{{ concern }}** at {{ property_address }}, received on "
        "{{ received_on|long_date }}. It has been opened as case {{ case_number }}."
    )
    letter.heading("What happens next")
    letter.tag("if response_due")
    letter.para("An officer is due to look into it by {{ response_due|weekday_date }}.")
    letter.tag("endif")
    letter.para(
        "If the officer finds a violation, {{ authority }} will require the property owner to correct it and will give "
        "the owner time to do so, as the law requires. The owner may ask for more time or appeal, so some cases take "
        "several weeks or longer."
    )
    letter.heading("Following your case")
    letter.para(
        "Your tracking code is **{{ tracking_code }}**.{% if status_url %} You can follow the case at "
        "{{ status_url }}.{% endif %} We will write to you again when the case is closed."
    )
    letter.heading("Your privacy")
    letter.para(
        "Your name and contact details are kept apart from the case file, are seen only by staff who need them, and "
        "are never included in any letter or notice sent to the property owner."
    )
    letter.para("Questions: {{ city.department }}, {{ city.phone|phone }}, {{ city.email }}.", before=8)
    department_signature(letter)
    return letter


def closure_complainant() -> Letter:
    letter = Letter(LetterKind.CLOSURE_COMPLAINANT, "Your report: case closed")
    complainant_opening(letter, "Your report: case closed")
    letter.para(
        "The case opened from your report of **{{ concern }}** at {{ property_address }} (case {{ case_number }}) "
        "was closed on {{ closed_on|long_date }}."
    )
    letter.heading("Outcome")
    outcomes = [
        ("voluntary_compliance", "The condition you reported has been corrected by the property owner."),
        ("order_compliance", "The condition you reported has been corrected as {{ authority }} ordered."),
        ("remediated_by_city", "{{ authority|capfirst }} had the condition you reported corrected."),
        ("prosecuted", "The case was referred to the courts, and the proceedings have concluded."),
        ("dismissed", "The case was closed after review, without further enforcement."),
        ("unfounded", "An officer inspected the property and did not find a violation of the code."),
        ("merged_duplicate", "Your report was joined to another case about the same property, which continues."),
        ("withdrawn", "The case was closed because the report was withdrawn."),
    ]
    for index, (outcome, text) in enumerate(outcomes):
        letter.tag(f"{'if' if index == 0 else 'elif'} outcome == '{outcome}'")
        letter.para(text)
    letter.tag("endif")
    letter.para(
        "If the problem comes back, please make a new report and mention case {{ case_number }}. Thank you for "
        "helping to keep the community safe and well kept."
    )
    letter.para("Questions: {{ city.department }}, {{ city.phone|phone }}, {{ city.email }}.", before=8)
    department_signature(letter)
    return letter


def courtesy_notice() -> Letter:
    letter = Letter(LetterKind.COURTESY_NOTICE, "{{ notice.title }}")
    owner_opening(letter, "{{ notice.title }}", statute=True, served=True)
    letter.para(
        "{{ authority|capfirst }} is writing to you as the owner of record of the property above. We found the "
        f"conditions listed below{INSPECTED}; they do not meet the code sections shown."
    )
    letter.para(
        "This letter is not a fine or an order: it gives you the chance to correct the problem voluntarily before "
        "formal enforcement begins."
    )
    violations_table(letter)
    compliance_deadline(letter, "Please correct every violation listed above by")
    penalty(
        letter,
        "If the violations are not corrected by the deadline, {{ authority }} may issue a formal order and may then:",
    )
    lien_warning(letter)
    appeal_rights(letter, "this letter", options="Appeals")
    service(letter, "This letter is sent to you")
    officer_signature(letter)
    return letter


def notice_of_violation() -> Letter:
    letter = Letter(LetterKind.NOTICE_OF_VIOLATION, "{{ notice.title }}")
    owner_opening(letter, "{{ notice.title }}", statute=True, served=True)
    letter.para(
        "As the owner of record of the property above, you are ordered to correct the violations listed below, "
        f"which were found{INSPECTED}.{{% if notice.statute %}} This notice is issued under {{{{ notice.statute }}}}."
        "{% endif %}"
    )
    violations_table(letter)
    compliance_deadline(letter)
    penalty(letter, "If the violations are not corrected by the deadline, {{ authority }} may:")
    lien_warning(letter)
    appeal_rights(letter)
    service(letter)
    officer_signature(letter)
    return letter


def fine_notice() -> Letter:
    title = "{% if notice.fine %}{{ notice.title }}{% else %}Notice of fine{% endif %}"
    letter = Letter(LetterKind.FINE_NOTICE, title)
    owner_opening(letter, title, statute=True, served=True)
    letter.para(
        "{% if fine.number > 1 %}The violations listed below have still not been corrected.{% else %}The violations "
        "listed below have not been corrected{% if notice.issued_on and not notice.fine %} as required by "
        f"{FOLLOWS}{{% endif %}}.{{% endif %}} {{{{ authority|capfirst }}}} therefore issues the fine below"
        "{% if notice.statute %}, under {{ notice.statute }}{% endif %}."
    )
    letter.heading("Fine")
    letter.table(
        ["Fine", "Amount", "Payment due by"],
        [
            ["Fine {{ fine.number }} on this case"],
            ["**{{ fine.amount|money }}**"],
            ["**{{ fine.due_on|weekday_date }}**"],
        ],
        loop=None,
        widths=[2.5, 1.5, 2.5],
    )
    letter.para(PAY)
    letter.tag("if pay_url")
    letter.para("Pay online by card: **{{ pay_url }}** (sign in with the case number and the access code above).")
    letter.tag("endif")
    letter.para("Paying the fine does not end your duty to correct the violations.")
    violations_table(letter)
    letter.tag("if compliance_deadline")
    compliance_deadline(letter)
    letter.tag("endif")
    penalty(letter, "If the violations continue, {{ authority }} may:")
    lien_warning(letter)
    appeal_rights(letter)
    service(letter)
    officer_signature(letter)
    return letter


def reinspection_notice() -> Letter:
    letter = Letter(LetterKind.REINSPECTION_NOTICE, "Notice of reinspection")
    owner_opening(letter, "Notice of reinspection")
    letter.para(
        "{{ authority|capfirst }} will reinspect the property above to check whether the violations listed in "
        f"{FOLLOWS} have been corrected."
    )
    letter.heading("Reinspection")
    letter.para("Date and time: **{{ reinspection_at|when }}**")
    letter.para(
        "Most conditions can be seen from the street. If the officer will need to enter the property or a building, "
        "please make sure someone can let them in, or call before that day to arrange another time."
    )
    violations_table(letter)
    letter.tag("if compliance_deadline")
    letter.para("The deadline to correct them is **{{ compliance_deadline|when }}**.")
    letter.tag("endif")
    penalty(letter, "If the violations have not been corrected at the reinspection, {{ authority }} may:")
    lien_warning(letter)
    officer_signature(letter)
    return letter


def _extension_request(decision: str) -> str:
    return (
        "On {{ extension.requested_on|long_date }} you asked for {{ extension.requested_days }} more days to correct "
        f"the violations listed in {FOLLOWS}. {decision}"
    )


def extension_granted() -> Letter:
    letter = Letter(LetterKind.EXTENSION_GRANTED, "Extension of time granted")
    owner_opening(letter, "Extension of time granted")
    letter.para(
        _extension_request(
            "Your request is **granted**{% if extension.granted_days and extension.granted_days < extension.requested_days %}"
            " in part: {{ extension.granted_days }} days{% elif extension.granted_days %}: {{ extension.granted_days }} "
            "days{% endif %}."
        )
    )
    letter.para("Reason: {{ extension.reason|sentence }}")
    letter.heading("New compliance deadline")
    letter.para(
        "{% if extension.previous_deadline %}The deadline of {{ extension.previous_deadline|when }} is replaced. "
        "{% endif %}You must now correct every violation listed below by **{{ compliance_deadline|when }}**."
    )
    letter.para(
        "Every other term of the {{ notice.title }} still applies. Please do not wait for the deadline: tell "
        "{{ officer.name }} as soon as the work is done."
    )
    violations_table(letter)
    penalty(letter, "If the violations are not corrected by the new deadline, {{ authority }} may:")
    lien_warning(letter)
    officer_signature(letter)
    return letter


def extension_denied() -> Letter:
    letter = Letter(LetterKind.EXTENSION_DENIED, "Extension of time refused")
    owner_opening(letter, "Extension of time refused")
    letter.para(_extension_request("Your request is **refused**."))
    letter.para("Reason: {{ extension.reason|sentence }}")
    letter.heading("Compliance deadline unchanged")
    letter.para("You must still correct every violation listed below by **{{ compliance_deadline|when }}**.")
    violations_table(letter)
    penalty(letter, "If the violations are not corrected by the deadline, {{ authority }} may:")
    lien_warning(letter)
    officer_signature(letter)
    return letter


def notice_of_hearing() -> Letter:
    letter = Letter(LetterKind.NOTICE_OF_HEARING, "Notice of hearing")
    owner_opening(letter, "Notice of hearing")
    letter.para(
        f"{{% if hearing.kind == 'appeal' %}}You have appealed {FOLLOWS}. Your appeal will be heard at the time and "
        "place below.{% else %}A hearing has been scheduled about the violations listed below, which were not corrected "
        f"as required by {FOLLOWS}. At the hearing a decision will be made on the violations and on what enforcement "
        "follows.{% endif %}{% if notice.statute %} The notice was issued under {{ notice.statute }}.{% endif %}"
    )
    letter.heading("Date, time and place")
    letter.para("**{{ hearing.at|when }}**", after=2)
    letter.para("{{ hearing.location }}")
    letter.heading("At the hearing")
    letter.bullet("You may attend, present evidence and witnesses, and question the evidence against you.")
    letter.bullet("You may be represented by a lawyer or another person of your choice.")
    letter.bullet("If you need an interpreter or an accommodation, call {{ city.phone|phone }} as early as you can.")
    letter.bullet("If you do not attend, the hearing may go ahead and a decision may be made in your absence.")
    violations_table(letter)
    officer_signature(letter)
    return letter


def hearing_decision() -> Letter:
    letter = Letter(LetterKind.HEARING_DECISION, "Hearing decision")
    owner_opening(letter, "Hearing decision")
    letter.para(
        f"A hearing about {FOLLOWS} was held on {{{{ hearing.at|long_date }}}}. The decision was made on "
        "{{ decision.decided_on|long_date }}."
    )
    letter.heading("Decision")
    letter.tag("if decision.fine")
    letter.para(
        "You appealed fine {{ decision.fine.number }} of {{ decision.fine.levied|money }}. {% if decision.decision == "
        "'upheld' %}The fine is **upheld**: it stays payable by {{ decision.fine.due_on|weekday_date }}.{% elif "
        "decision.decision == 'modified' %}The fine is **reduced to {{ decision.fine.amount|money }}**, payable by "
        "{{ decision.fine.due_on|weekday_date }}.{% else %}The fine is **cancelled**: you owe nothing on it.{% endif %}"
    )
    letter.para("The {{ notice.title }} still stands: the decision was about the fine only.")
    letter.tag("elif decision.decision == 'upheld'")
    letter.para("The {{ notice.title }} is **upheld**.")
    letter.tag("elif decision.decision == 'modified'")
    letter.para("The {{ notice.title }} is **modified** as set out in the reasons below.")
    letter.tag("else")
    letter.para("The {{ notice.title }} is **dismissed**. You do not need to take any further action on it.")
    letter.tag("endif")
    letter.para("Reasons: {{ decision.reason|sentence }}")
    letter.tag("if decision.fine or decision.decision != 'dismissed'")
    violations_table(letter)
    letter.tag("if compliance_deadline")
    compliance_deadline(letter)
    letter.tag("endif")
    penalty(letter, "If the violations are not corrected as decided, {{ authority }} may:")
    lien_warning(letter)
    letter.tag("endif")
    letter.tag("if appeal")
    letter.heading("Further appeal")
    letter.para("Route of appeal: {{ appeal.to|sentence }}")
    letter.tag("if appeal.deadline")
    letter.para("The last day to appeal is **{{ appeal.deadline|when }}**.")
    letter.tag("endif")
    letter.tag("endif")
    officer_signature(letter)
    return letter


def remediation_notice() -> Letter:
    letter = Letter(LetterKind.REMEDIATION_NOTICE, "Notice of remedial work and costs")
    owner_opening(letter, "Notice of remedial work and costs")
    letter.para(
        f"Because the violations listed below were not corrected as required by {FOLLOWS}, {{{{ authority }}}} had the "
        "work done at your expense. The work was completed on {{ remediation.completed_on|long_date }}."
    )
    letter.heading("Work done")
    letter.para("{{ remediation.scope|sentence }}")
    letter.heading("Costs charged to you")
    letter.table(
        ["Item", "Amount"],
        [["{{ c.description }}"], ["{{ c.amount|money }}"]],
        loop="c in remediation.costs",
        widths=[4.9, 1.6],
        total=["Total due", "{{ remediation.total|money }}"],
    )
    letter.para("Payment is due by **{{ remediation.payment_due_on|weekday_date }}**. " + PAY)
    letter.heading("If the costs are not paid")
    letter.para(
        "If the total is not paid by the due date, {{ authority }} will add it to the tax roll of the property and "
        "record it as a lien against the property, to be collected in the same manner as property taxes. A lien stays "
        "with the property if it is sold."
    )
    letter.tag("if appeal")
    appeal_rights(letter, "these costs")
    letter.tag("endif")
    violations_table(letter, "Violations corrected")
    officer_signature(letter)
    return letter


def lien_notice() -> Letter:
    letter = Letter(LetterKind.LIEN_NOTICE, "Notice of lien")
    owner_opening(letter, "Notice of lien")
    letter.para(
        "The amount below remains unpaid on case {{ case_number }} for the property above. On "
        "{{ lien.recorded_on|long_date }} {{ authority }} added it to the tax roll of the property and recorded it as "
        "a lien against the property (reference {{ lien.reference }}). It will be collected in the same manner as "
        "property taxes."
    )
    letter.tag("if lien.items")
    letter.table(
        ["Item", "Amount"],
        [["{{ i.description }}"], ["{{ i.amount|money }}"]],
        loop="i in lien.items",
        widths=[4.9, 1.6],
        total=["Amount of the lien", "{{ lien.amount|money }}"],
    )
    letter.tag("else")
    letter.para("Amount of the lien: **{{ lien.amount|money }}**")
    letter.tag("endif")
    letter.heading("To release the lien")
    letter.para(
        "Pay the full amount, quoting case {{ case_number }} and lien reference {{ lien.reference }}, online at "
        "{{ city.website }}, by telephone at {{ city.phone|phone }}, or in person at {{ city.address }}. {{ authority|capfirst }} "
        "records the release once the payment has cleared. The lien stays with the property, even if it is sold, "
        "until it is paid."
    )
    letter.heading("If you think the amount is wrong")
    letter.para(
        "Write to {{ city.department }}, {{ city.address }}, or {{ city.email }}, quoting the lien reference and "
        "explaining why."
    )
    violations_table(letter, "Violations the costs arose from")
    officer_signature(letter)
    return letter


def lien_release() -> Letter:
    letter = Letter(LetterKind.LIEN_RELEASE, "Release of lien")
    owner_opening(letter, "Release of lien")
    letter.para(
        "The lien recorded against the property above on {{ lien.recorded_on|long_date }} (reference "
        "{{ lien.reference }}) for **{{ lien.amount|money }}** has been paid in full. On "
        "{{ lien.released_on|long_date }} {{ authority }} released it: it no longer stands against the property."
    )
    letter.heading("The tax roll")
    letter.para(
        "{{ authority|capfirst }} sends the release to the tax collector with its next tax-roll file, which takes the "
        "amount off the property's tax bill. If a tax bill still shows it after that, send a copy of this letter to "
        "{{ city.department }}, {{ city.address }}, or {{ city.email }}."
    )
    letter.para(
        "Please keep this letter with your records for the property: it shows the release if the property is sold "
        "or refinanced."
    )
    violations_table(letter, "The case concerned")
    officer_signature(letter)
    return letter


def closure_owner() -> Letter:
    letter = Letter(LetterKind.CLOSURE_OWNER, "Case closed")
    owner_opening(letter, "Case closed")
    letter.para("Case {{ case_number }} about the property above was closed on {{ closed_on|long_date }}.")
    outcomes = [
        (
            "voluntary_compliance",
            "Our reinspection found that the violations listed below have been corrected. Thank you for your cooperation.",
        ),
        ("order_compliance", "Our reinspection found that the violations listed below have been corrected as ordered."),
        (
            "remediated_by_city",
            "{{ authority|capfirst }} has had the violations listed below corrected at your expense.",
        ),
        ("prosecuted", "The matter was referred for prosecution, and the court proceedings have concluded."),
        ("dismissed", "The case has been dismissed. No further action is required of you."),
        ("unfounded", "An inspection found no violation of the code. No action is required of you."),
        (
            "merged_duplicate",
            "The matter is being handled under another case for the same property; we will write to you about it "
            "separately.",
        ),
        ("withdrawn", "The case has been withdrawn. No further action is required of you."),
    ]
    for index, (outcome, text) in enumerate(outcomes):
        letter.tag(f"{'if' if index == 0 else 'elif'} outcome == '{outcome}'")
        letter.para(text)
    letter.tag("endif")
    letter.tag("if balance_due > 0")
    letter.heading("Amount still owed")
    letter.para("Closing the case does not cancel amounts still owed: **{{ balance_due|money }}** remains due. " + PAY)
    letter.tag("endif")
    letter.tag("if outcome != 'unfounded'")
    violations_table(letter, "The case concerned")
    letter.tag("endif")
    letter.para("Please keep this letter with your records for the property.")
    officer_signature(letter)
    return letter


LETTERS: dict[LetterKind, Callable[[], Letter]] = {
    LetterKind.ACKNOWLEDGEMENT: acknowledgement,
    LetterKind.COURTESY_NOTICE: courtesy_notice,
    LetterKind.NOTICE_OF_VIOLATION: notice_of_violation,
    LetterKind.FINE_NOTICE: fine_notice,
    LetterKind.REINSPECTION_NOTICE: reinspection_notice,
    LetterKind.EXTENSION_GRANTED: extension_granted,
    LetterKind.EXTENSION_DENIED: extension_denied,
    LetterKind.NOTICE_OF_HEARING: notice_of_hearing,
    LetterKind.HEARING_DECISION: hearing_decision,
    LetterKind.REMEDIATION_NOTICE: remediation_notice,
    LetterKind.LIEN_NOTICE: lien_notice,
    LetterKind.LIEN_RELEASE: lien_release,
    LetterKind.CLOSURE_OWNER: closure_owner,
    LetterKind.CLOSURE_COMPLAINANT: closure_complainant,
}


def main(out_dir: Path = TEMPLATES_DIR) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    for kind in LetterKind:
        LETTERS[kind]().save(out_dir / kind.template_name)
        print(f"wrote {out_dir / kind.template_name}")


if __name__ == "__main__":
    main()

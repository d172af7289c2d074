"""Reading a legacy export (issue 16): the mapping file and its errors, CSV in any delimiter and encoding and
Excel, rows grouped into cases, dates with placeholders, and the mapping's tables with their catch-alls."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest

from config.settings import CONFIG_DIR
from domain.legacy_cases import LegacyCase, Problem, read_cases
from domain.legacy_mapping import MappingError, parse_mapping
from domain.policy import Policy
from domain.stages import Channel, Outcome
from scripts.make_legacy_export import demo_parcels, legacy_rows, sample_rows, to_csv, to_xlsx
from services.legacy_import.mapping import checked_mapping
from services.legacy_import.readers import read_export

EXAMPLE = CONFIG_DIR / "import" / "example-mapping.toml"
BADGES = {"CE-101", "CE-102", "CE-103", "CE-104"}


def example(**replace: str) -> str:
    text = EXAMPLE.read_text(encoding="utf-8")
    for old, new in replace.items():
        assert old in text, old
        text = text.replace(old, new)
    return text


def cases_of(content: bytes, name: str = "export.csv", mapping: str | None = None) -> list[LegacyCase]:
    cases, _ = read_cases(read_export(name, content), parse_mapping(mapping or example()))
    return cases


def test_the_example_mapping_names_only_what_the_policy_and_city_have(policy: Policy) -> None:
    mapping = checked_mapping(example(), policy, BADGES)
    assert mapping.shape == "per_violation"
    assert mapping.violation_code("tall grass/weeds ") == "PS-GRASS"
    assert mapping.violation_code("SNOW ON SIDEWALK") is None  # no catch-all in the example


@pytest.mark.parametrize(
    ("replace", "error"),
    [
        ({'legacy_case_number = "CASE_NO"\n': ""}, "columns.legacy_case_number: Field required"),
        ({'"OPEN" = { stage = "from_dates" }': '"OPEN" = { stage = "from_dates", outcome = "withdrawn" }'},
         "statuses.OPEN: give either an outcome (a closed case) or a stage (an open case), not both or neither"),
        ({'"VOID" = { outcome = "withdrawn" }': '"VOID" = { outcome = "gone" }'}, "statuses.VOID.outcome: Input should be"),
        ({'"ZONING - USE" = "ZN-USE"': '"ZONING - USE" = "ZN-NOPE"'},
         "violation_types.ZONING - USE: ZN-NOPE is not a violation type of the policy"),
        ({'"TRAN, B" = "CE-104"': '"TRAN, B" = "CE-999"'}, "officers.TRAN, B: no officer has the badge CE-999"),
        ({'system = "EPSG:3418"': 'system = "EPSG:999999"'}, "coordinates.system: 'EPSG:999999' is not a coordinate system"),
        ({'formats = ["%m/%d/%Y", "%Y-%m-%d"]': 'formats = ["mm/dd/yyyy"]'},
         "dates.formats: 'mm/dd/yyyy' is not a strptime format"),
        ({'shape = "per_violation"': 'shape = "per_row"'}, "shape: Input should be 'per_case' or 'per_violation'"),
        ({"[columns]": "[columns"}, "the file is not TOML"),
    ],
)  # fmt: skip
def test_a_mapping_error_names_the_key_and_the_reason(policy: Policy, replace: dict[str, str], error: str) -> None:
    with pytest.raises(MappingError) as refused:
        checked_mapping(example(**replace), policy, BADGES)
    assert str(refused.value).startswith(error)


def _facts(cases: list[LegacyCase]) -> list[tuple[object, ...]]:
    return [(c.legacy_number, c.facts, c.rule, [v.code for v in c.violations], c.findings) for c in cases]


def test_csv_in_any_delimiter_and_encoding_and_excel_read_the_same_cases() -> None:
    rows = sample_rows(date(2026, 12, 1))
    first = cases_of(to_csv(rows))
    for content, name in [
        (to_csv(rows, delimiter=";"), "export.csv"),
        (to_csv(rows, delimiter="\t", encoding="latin-1"), "export.txt"),
        (to_csv(rows, delimiter="|", encoding="utf-8-sig"), "export.csv"),
        (to_xlsx(rows), "export.xlsx"),
    ]:
        assert _facts(cases_of(content, name)) == _facts(first), name
    latin = next(c for c in cases_of(to_csv(rows, encoding="latin-1")) if c.legacy_number == "X-10")
    assert latin.facts.complainant_name == "José Peña"


def test_rows_per_violation_are_grouped_into_cases_with_each_violation_as_a_finding() -> None:
    rows = list(legacy_rows(demo_parcels(), 50, today=date(2026, 12, 1)))
    cases = cases_of(to_csv(rows))
    assert len(cases) == 50
    assert sum(len(c.violations) for c in cases) == len(rows)
    first = cases[0]
    assert [v.description for v in first.violations] == [
        r["VIOL_DESC"] for r in rows if r["CASE_NO"] == first.legacy_number
    ]
    assert all(v.found_on is not None and v.status for v in first.violations)


def test_every_problem_of_the_sample_is_found_on_its_row() -> None:
    cases, stray = read_cases(
        read_export("sample.csv", (CONFIG_DIR / "import" / "sample-export.csv").read_bytes()), parse_mapping(example())
    )
    found = {(c.legacy_number, f.problem) for c in cases for f in c.findings}
    assert found == {
        ("X-01", Problem.UNMAPPED_TYPE),
        ("X-02", Problem.UNMAPPED_STATUS),
        ("X-03", Problem.UNPARSEABLE_DATE),
        ("X-04", Problem.NO_CLOSED_DATE),
        ("X-06", Problem.CLOSED_BEFORE_OPENED),
        ("X-07", Problem.CONFLICTING_DUPLICATE),
        ("X-09", Problem.UNMAPPED_OFFICER),
        ("X-12", Problem.UNPARSEABLE_AMOUNT),
    }  # no parcel and a point outside the city are found by parcel matching
    assert [f.problem for f in stray] == [Problem.NO_LEGACY_NUMBER]
    duplicate = next(c for c in cases if c.legacy_number == "X-07")
    assert "SITE_ADDR" not in duplicate.findings[0].detail and "address" in duplicate.findings[0].detail


def test_placeholder_dates_are_no_date_and_open_statuses_keep_the_case_open() -> None:
    cases = {c.legacy_number: c for c in cases_of((CONFIG_DIR / "import" / "sample-export.csv").read_bytes())}
    placeholder = cases["X-04"]
    assert placeholder.facts.closed is None and placeholder.closed and placeholder.refused
    open_cases = [c for c in cases.values() if not c.closed and not c.refused]
    assert open_cases and all(c.facts.closed is None and c.rule and c.rule.stage for c in open_cases)
    completed = next(c for c in cases.values() if c.facts.status == "COMPLETED" and not c.refused)
    assert completed.outcome is Outcome.VOLUNTARY_COMPLIANCE


def test_catch_alls_map_what_the_tables_do_not_name() -> None:
    mapping = example(**{'# "*" = "PS-EXTERIOR"': '"*" = "PS-EXTERIOR"', "[officers]": '[officers]\n"*" = "CE-101"'})
    rows = [r for r in sample_rows(date(2026, 12, 1)) if r["CASE_NO"] in ("X-01", "X-09")]
    rows[0] |= {"SOURCE": "CARRIER PIGEON"}
    cases = {c.legacy_number: c for c in cases_of(to_csv(rows), mapping=mapping)}
    assert cases["X-01"].violation_code == "PS-EXTERIOR" and cases["X-01"].findings == []
    assert cases["X-01"].channel is Channel.PHONE  # the example's channel catch-all
    assert cases["X-09"].officer_badge == "CE-101"


def test_one_row_per_case_reads_a_repeated_identical_row_once() -> None:
    mapping = example(**{'shape = "per_violation"': 'shape = "per_case"'})
    rows = list(legacy_rows(demo_parcels(), 5, today=date(2026, 12, 1)))
    single = [next(r for r in rows if r["CASE_NO"] == n) for n in dict.fromkeys(r["CASE_NO"] for r in rows)]
    cases = cases_of(to_csv([*single, single[0]]), mapping=mapping)
    assert len(cases) == 5 and all(len(c.violations) == 1 for c in cases)
    assert Counter(f.problem for c in cases for f in c.findings) == {Problem.DUPLICATE_ROW: 1}
    assert not cases[0].refused

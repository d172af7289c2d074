"""The policy pack loads, and a broken one says which key is wrong and why; deadlines follow the calendar."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from config.settings import CONFIG_DIR
from domain.case import CaseState, FailedService, NoticeRecord, ParcelFacts
from domain.policy import Category, Policy, PolicyError, ProcessRules, parse_policy
from domain.process import next_service_method
from domain.stages import CaseStage, ServiceMethod

SHIPPED = (CONFIG_DIR / "policy.toml").read_text()


def test_the_shipped_policy_covers_every_specialty(policy: Policy) -> None:
    assert len(policy.violation_types) >= 12
    assert {v.specialty for v in policy.violation_types} == set(policy.pack.specialties)
    unsafe = policy.violation("BD-UNSAFE")
    assert unsafe is not None and unsafe.category is Category.I and unsafe.response_target_business_days == 1
    grass = policy.violation("PS-GRASS")
    assert grass is not None and grass.response_target_business_days == 20  # Category III default


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            ('category = "III"', 'category = "IV"', 1),
            r"violation_types\[0\]\.category: Input should be 'I', 'II' or 'III'",
        ),
        (
            ('specialty = "property_standards"', 'specialty = "gardening"', 1),
            r"violation_types\[0\]\.specialty: 'gardening'",
        ),
        (('code = "PS-REFUSE"', 'code = "PS-GRASS"', 1), r"violation_types\[1\]\.code: 'PS-GRASS' is defined twice"),
        (("[categories.II]", "[categories.IIa]", 1), r"categories\.IIa\.\[key\]: Input should be"),
        (('timezone = "America/Chicago"', 'timezone = "Mars/Olympus"', 1), r"calendar\.timezone: .*unknown time zone"),
        (
            ("priority = 3", "priority = 9", 1),
            r"violation_types\[0\]\.priority: Input should be less than or equal to 3",
        ),
        (
            ('title = "Long grass and weeds"', 'title = "Long grass"\ncolour = "green"', 1),
            r"violation_types\[0\]\.colour: Extra",
        ),
        (
            (
                'corrective_action = "Cut all grass and weeds to under 8 inches, including the strip along the sidewalk, and remove the clippings."',
                'corrective_action = " "',
                1,
            ),
            r"violation_types\[0\]\.corrective_action: say what the owner must do",
        ),
        (
            ('service_methods = ["email", "mail", "posting"]', 'service_methods = ["mail", "fax"]', 1),
            r"process\.service_methods\[1\]: Input should be 'personal', 'mail', 'email' or 'posting'",
        ),
        (
            ('service_methods = ["email", "mail", "posting"]', 'service_methods = ["mail", "posting", "mail"]', 1),
            r"process: service_methods: each method may be listed once",
        ),
    ],
)
def test_a_broken_policy_names_the_key_and_the_reason(change: tuple[str, str, int], message: str) -> None:
    old, new, count = change
    assert old in SHIPPED
    with pytest.raises(PolicyError, match=message):
        parse_policy(SHIPPED.replace(old, new, count), source="policy.toml")


def test_not_toml_is_refused_with_the_file_name(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match=r"policy\.toml: not valid TOML"):
        parse_policy("[pack\n", source="policy.toml")


def test_business_days_skip_weekends_and_the_citys_holidays(policy: Policy) -> None:
    calendar = policy.calendar
    # Wednesday before Thanksgiving, 2 p.m. in Riverton: Thursday and Friday are holidays, then a weekend.
    due = calendar.business_days_after(datetime(2026, 11, 25, 20, 0, tzinfo=UTC), 1)
    assert due.date() == date(2026, 11, 30) and (due.hour, due.minute) == (17, 0)
    assert calendar.add_business_days(date(2026, 12, 4), 5) == date(2026, 12, 11)  # Friday + 5 = next Friday
    assert calendar.add_business_days(date(2026, 12, 24), 1) == date(2026, 12, 28)  # over Christmas and a weekend
    assert calendar.add_business_days(date(2026, 12, 26), 0) == date(2026, 12, 28)  # a Saturday rolls to Monday


def test_service_falls_back_in_the_policys_order_and_e_mail_only_with_an_address(policy: Policy) -> None:
    """A notice whose e-mail bounced is served next by mail, then by posting; with no e-mail on the roll, mail first.
    Snapshots taken before the policy listed service methods get the same order."""
    snapshot = policy.for_case("PS-REFUSE")
    assert snapshot is not None and snapshot.process.service_methods == ("email", "mail", "posting")
    parcel = ParcelFacts(
        parcel_id="P1",
        address="1 Main St",
        zone="Z1",
        land_use="residential",
        lat=0,
        lon=0,
        owner_name="Owner",
        owner_mailing_address="1 Main St",
        owner_email="owner@example.net",
    )
    now = datetime(2026, 3, 2, 15, tzinfo=UTC)
    notice = NoticeRecord(seq=1, notice_type="notice_of_violation", title="Notice", issued_at=now)
    state = CaseState(
        case_number="CE-2026-000001",
        stage=CaseStage.NOTICE_ISSUED,
        policy=snapshot,
        opened_at=now,
        parcel=parcel,
        notices=[notice],
    )
    assert next_service_method(state) is ServiceMethod.EMAIL
    failed = [FailedService(method=ServiceMethod.EMAIL, attempted_at=now, failed_at=now, reason="bounced")]
    state.notices[-1] = notice.model_copy(update={"failed_services": failed})
    assert next_service_method(state) is ServiceMethod.MAIL
    failed.append(FailedService(method=ServiceMethod.MAIL, attempted_at=now, failed_at=now, reason="returned"))
    state.notices[-1] = notice.model_copy(update={"failed_services": failed})
    assert next_service_method(state) is ServiceMethod.POSTING
    state.parcel = parcel.model_copy(update={"owner_email": None})
    state.notices[-1] = notice
    assert next_service_method(state) is ServiceMethod.MAIL
    old = snapshot.process.model_dump(exclude={"service_methods"})
    assert ProcessRules.model_validate(old).service_methods == snapshot.process.service_methods

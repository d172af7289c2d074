"""Demo cases for a first local run (README command one): a city's morning, not an empty dashboard.

Filed and moved through the running API exactly as staff would (intake, inspection, notice, service), so
every case is a real workflow with its letters, messages and timeline. Only a database without cases is
seeded; a restart keeps whatever the previous run left.
"""

from __future__ import annotations

import csv
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx

from config.settings import get_settings
from domain.policy import Policy, ViolationType, load_policy
from records.demo_city import DEMO_PASSWORD

# Which complaints and how far each goes: enough for every list, queue and chart to show something.
# (violation code, parcel row, channel, complainant?, how far the officer takes it)
STORIES: tuple[tuple[str, int, str, bool, str], ...] = (
    ("PS-GRASS", 1, "phone", True, "served_by_mail"),
    ("PS-REFUSE", 7, "officer", False, "served_by_mail"),
    ("PS-EXTERIOR", 13, "email", False, "notice_issued"),
    ("PS-VACANT", 19, "council", False, "violation_found"),
    ("ZN-USE", 25, "walk_in", True, "unfounded"),
    ("PS-GRASS", 31, "phone", False, "received"),
    ("PS-REFUSE", 37, "phone", True, "received"),
    ("PS-EXTERIOR", 43, "email", True, "served_by_mail"),
    ("PS-GRASS", 49, "walk_in", False, "received"),
    ("PS-VACANT", 55, "phone", True, "received"),
)


@dataclass(frozen=True)
class DemoComplaint:
    violation: ViolationType
    address: str
    channel: str
    with_complainant: bool
    goes_to: str


def demo_complaints(policy: Policy, parcels_csv: Path) -> list[DemoComplaint]:
    with parcels_csv.open(newline="") as handle:
        addresses = [row["address"] for row in csv.DictReader(handle)]
    return [
        DemoComplaint(violation, addresses[row], channel, named, goes_to)
        for code, row, channel, named, goes_to in STORIES
        if (violation := policy.violation(code)) is not None  # another policy pack may not have every type
    ]


class _Staff:
    def __init__(self, http: httpx.Client) -> None:
        self.http = http
        self._tokens: dict[str, str] = {}

    def _headers(self, user: str) -> dict[str, str]:
        if user not in self._tokens:
            answer = self.http.post("/api/v1/auth/token", data={"username": user, "password": DEMO_PASSWORD})
            answer.raise_for_status()
            self._tokens[user] = answer.json()["access_token"]
        return {"Authorization": f"Bearer {self._tokens[user]}"}

    def post(self, user: str, url: str, body: dict[str, object] | None = None) -> dict[str, object]:
        answer = self.http.post(url, headers=self._headers(user), json=body or {})
        answer.raise_for_status()
        return dict(answer.json())

    def stage(self, case_number: str) -> str:
        answer = self.http.get(f"/api/v1/cases/{case_number}", headers=self._headers("clerk"))
        answer.raise_for_status()
        return str(answer.json()["stage"])


def seed(base_url: str, policy: Policy, parcels_csv: Path, *, within: float = 120.0) -> list[str]:
    """Files the demo complaints and takes each as far as its story goes; returns the case numbers."""
    complaints = demo_complaints(policy, parcels_csv)
    with httpx.Client(base_url=base_url, timeout=30) as http:
        staff = _Staff(http)
        filed: list[tuple[str, DemoComplaint]] = []
        for n, complaint in enumerate(complaints, start=1):
            body: dict[str, object] = {
                "violation_code": complaint.violation.code,
                "address": complaint.address,
                "description": f"Reported by a neighbour: {complaint.violation.title.lower()}",
                "channel": complaint.channel,
            }
            if complaint.with_complainant:
                body["complainant"] = {"name": f"Demo Resident {n}", "email": f"resident{n}@example.org"}
            filed.append((str(staff.post("clerk", "/api/v1/complaints", body)["case_number"]), complaint))

        deadline = time.monotonic() + within
        for case_number, complaint in filed:
            if complaint.goes_to == "received":
                continue
            while staff.stage(case_number) != "investigating":  # triage runs in the workflow
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{case_number} was not triaged within {within:.0f} s; is the worker running?")
                time.sleep(0.3)
            _take(staff, case_number, complaint)
        return [case_number for case_number, _ in filed]


def _take(staff: _Staff, case_number: str, complaint: DemoComplaint) -> None:
    actions = f"/api/v1/cases/{case_number}/actions"
    checklist = complaint.violation.checklist
    if complaint.goes_to == "unfounded":
        staff.post(
            "officer",
            f"{actions}/record_inspection",
            {"violation_found": False, "findings": "Nothing seen from the street or the lot line."},
        )
        return
    staff.post(
        "officer",
        f"{actions}/record_inspection",
        {
            "violation_found": True,
            "findings": "Seen and photographed from the street.",
            "checklist": {checklist[0]: True},
        },
    )
    if complaint.goes_to == "violation_found":
        return
    staff.post("officer", f"{actions}/issue_notice")
    if complaint.goes_to == "served_by_mail":
        staff.post(
            "officer", f"{actions}/record_service", {"method": "mail", "tracking_number": "9407100000000000000000"}
        )


def wait_for_api(base_url: str, *, within: float = 120.0, alive: Callable[[], bool] = lambda: True) -> None:
    """Until the API answers /healthz (a loaded machine takes a while to import and migrate); `alive` says
    whether the processes it needs are still running, so a crash fails at once instead of at the deadline."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if not alive():
            raise RuntimeError(f"a process the API at {base_url} needs exited while it was starting")
        try:
            if httpx.get(f"{base_url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise TimeoutError(f"the API at {base_url} did not answer within {within:.0f} s")


def main() -> None:
    base_url = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000"
    settings = get_settings()
    wait_for_api(base_url)
    cases = seed(base_url, load_policy(settings.policy_file), settings.city_dir / "parcels.csv")
    print(f"demo cases filed: {', '.join(cases)}", flush=True)


if __name__ == "__main__":
    main()

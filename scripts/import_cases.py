"""Brings a city's existing cases in from a legacy export (issue 16).

    python -m scripts.import_cases FILE --mapping MAPPING.toml [--dry-run] [--report REPORT.csv]

Reads FILE (CSV in any delimiter, UTF-8 or Latin-1, or .xlsx) as MAPPING.toml says, and writes the report (a line
per row: what happens to its case and every problem found on it, then the counts per problem and per action)
as CSV to REPORT.csv, or to standard output. With --dry-run nothing is written. Without it, the cases that pass
are written (closed ones as history, open ones stored), then the open cases' workflows are started at their step,
at most --starts-per-second; a second run of the same file changes nothing, a corrected file updates what
changed, and a run after a crash starts only what was not started. Progress goes to standard error.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from config.settings import Settings, get_settings
from domain.city import load_city
from domain.legacy_mapping import MappingError
from domain.policy import Policy, load_policy
from records.db import SessionFactory, make_engine, session_factory
from services.legacy_import.plan import report_csv, summary_lines
from services.legacy_import.readers import UnreadableExport
from services.legacy_import.run import pending_starts, plan_import, start_open_cases, write_plan
from services.temporal_client import connect


class ProgressBar:
    """`[#####.....] 12,000/30,000 rows  4,210 rows/s  ETA 0:00:04` on one line of standard error."""

    def __init__(self, total: int, unit: str, out: TextIO = sys.stderr, width: int = 30) -> None:
        self.total, self.unit, self.out, self.width = max(total, 1), unit, out, width
        self.done = 0
        self.began = time.monotonic()

    def __call__(self, more: int) -> None:
        self.done += more
        elapsed = max(time.monotonic() - self.began, 1e-9)
        rate = self.done / elapsed
        left = (self.total - self.done) / rate if rate else 0
        filled = self.width * self.done // self.total
        eta = time.strftime("%H:%M:%S", time.gmtime(left)).removeprefix("00:")
        self.out.write(
            f"\r[{'#' * filled}{'.' * (self.width - filled)}] {self.done:,}/{self.total:,} {self.unit}"
            f"  {rate:,.0f} {self.unit}/s  ETA {eta}"
        )
        if self.done >= self.total:
            self.out.write("\n")
        self.out.flush()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.import_cases", description=__doc__.split("\n\n")[0])
    parser.add_argument("file", type=Path, help="the legacy export: .csv (any delimiter) or .xlsx")
    parser.add_argument("--mapping", type=Path, required=True, help="the mapping file (TOML)")
    parser.add_argument("--dry-run", action="store_true", help="report what would happen; write nothing")
    parser.add_argument("--report", type=Path, help="where to write the CSV report (default: standard output)")
    parser.add_argument("--starts-per-second", type=float, default=20.0, help="how fast open cases' workflows start")
    args = parser.parse_args(argv)

    settings = get_settings()
    policy = load_policy(settings.policy_file)
    city = load_city(settings.city_dir / "city.toml")
    sessions = session_factory(make_engine(settings.database_url))
    try:
        plan = plan_import(
            sessions,
            policy,
            city,
            args.file.name,
            args.file.read_bytes(),
            args.mapping.read_text(encoding="utf-8"),
            datetime.now(UTC).astimezone(policy.calendar.zone).date(),
        )
    except (MappingError, UnreadableExport) as refused:
        print(f"{args.mapping if isinstance(refused, MappingError) else args.file}: {refused}", file=sys.stderr)
        return 2
    report = report_csv(plan)
    if args.report:
        args.report.write_text(report, encoding="utf-8")
    else:
        sys.stdout.write(report)
    for line in summary_lines(plan):
        print(line, file=sys.stderr)
    if args.dry_run:
        print("dry run: nothing was written", file=sys.stderr)
        return 0
    todo = plan.to_write()
    written = write_plan(
        sessions, policy, plan, args.file.name, progress=ProgressBar(sum(len(c.legacy.rows) for c in todo), "rows")
    )
    print(f"written: {written.created} new cases, {written.updated} updated", file=sys.stderr)
    pending = pending_starts(sessions)
    if pending:
        started = asyncio.run(_start(settings, sessions, policy, len(pending), args.starts_per_second))
        print(f"open cases started as workflows: {started}", file=sys.stderr)
    return 0


async def _start(settings: Settings, sessions: SessionFactory, policy: Policy, total: int, per_second: float) -> int:
    try:
        client = await connect(settings)
    except RuntimeError as down:
        print(
            f"Temporal is unreachable ({down}): run the import again, or let the worker's reconciler start them",
            file=sys.stderr,
        )
        return 0
    return await start_open_cases(
        client,
        settings.temporal_task_queue,
        sessions,
        policy,
        per_second=per_second,
        progress=ProgressBar(total, "starts"),
    )


if __name__ == "__main__":
    sys.exit(main())

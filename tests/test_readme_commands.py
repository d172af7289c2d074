"""The README opens with the two commands, and CI runs exactly the test one."""

from __future__ import annotations

import re

from config.settings import PROJECT_ROOT


def _readme_commands() -> list[str]:
    readme = (PROJECT_ROOT / "README.md").read_text()
    block = re.search(r"```sh\n(.*?)```", readme, re.S)
    assert block is not None and readme.index("```sh") < readme.index("\n## "), "the README must open with them"
    return [line.split("#")[0].strip() for line in block.group(1).splitlines() if line.strip()]


def test_the_readme_opens_with_two_commands_and_ci_runs_the_test_one() -> None:
    run, test = _readme_commands()
    assert (PROJECT_ROOT / run).is_file() and (PROJECT_ROOT / test).is_file()
    ci = [
        line
        for line in (PROJECT_ROOT / ".ci" / "run").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert ci == [f"exec {test}"]

"""The layers contracts in `.importlinter` hold on the tree, and they bite.

The proof that they bite runs `lint-imports` on a copy of the project's Python packages (only the `.py`
files: a second or so) with one wrong-way import added, and expects the broken contract to be named.
"""

from __future__ import annotations

import configparser
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CONTRACTS = ROOT / ".importlinter"
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def root_packages() -> list[str]:
    config = configparser.ConfigParser()
    config.read(CONTRACTS)
    return config["importlinter"]["root_packages"].split()


def lint_imports(tree: Path) -> subprocess.CompletedProcess[str]:
    # lint-imports puts its working directory first on sys.path, so the tree it reads is `tree`,
    # not the project installed in the virtualenv.
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--no-logo", str(tree / ".importlinter")],
        cwd=tree,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture(scope="module")
def copy_of_the_packages(tmp_path_factory: pytest.TempPathFactory) -> Path:
    def not_python(folder: str, names: list[str]) -> set[str]:
        return {name for name in names if not name.endswith(".py") and not (Path(folder) / name).is_dir()} | {
            "__pycache__"
        }

    tree = tmp_path_factory.mktemp("layers")
    for package in root_packages():
        shutil.copytree(ROOT / package, tree / package, ignore=not_python)
    shutil.copy(CONTRACTS, tree / ".importlinter")
    assert lint_imports(tree).returncode == 0, "the copy keeps the contracts before any wrong-way import"
    return tree


def test_the_tree_keeps_every_contract() -> None:
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "wrong_import", "contract"),
    [
        ("domain/wrong_way.py", "import records.db", "Domain imports nothing of the project but itself"),
        ("workflows/wrong_way.py", "import records.db", "Workflows use domain and the activities' declarations only"),
        ("records/wrong_way.py", "import workflows.hearing", "Layers import only downward"),
        ("api/wrong_way.py", "import workers.launcher", "Layers import only downward"),
        ("api/wrong_way.py", "import api.routes.cases", "Route modules are imported only by the app and the console"),
    ],
)
def test_a_wrong_way_import_breaks_its_contract(
    copy_of_the_packages: Path, module: str, wrong_import: str, contract: str
) -> None:
    wrong_way = copy_of_the_packages / module
    wrong_way.write_text(f'"""A wrong-way import, written by the test."""\n\n{wrong_import}\n')
    try:
        result = lint_imports(copy_of_the_packages)
    finally:
        wrong_way.unlink()

    assert result.returncode == 1, result.stdout + result.stderr
    broken = result.stdout.split("Broken contracts", 1)[1]
    assert contract in broken
    assert module.removesuffix(".py").replace("/", ".") in broken

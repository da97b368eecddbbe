"""The rules between folders hold, and a wrong import breaks them loudly (docs/architecture.md).

bin/test runs `lint-imports` on the tree; these tests run it on a copy of the tree with one
import that each contract forbids, so a contract that stopped checking would be noticed.
"""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = [
    "claimwatch",
    "api",
    "intake",
    "publishing",
    "desk",
    "discovery",
    "monitoring",
    "claims",
    "sources",
]
LINT = Path(sys.executable).with_name("lint-imports")


@pytest.fixture(scope="module")
def tree(tmp_path_factory):
    """A copy of the packages and pyproject.toml (no tests, no migrations needed)."""
    root = tmp_path_factory.mktemp("tree")
    for name in PACKAGES:
        shutil.copytree(ROOT / name, root / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", root / "pyproject.toml")
    return root


def lint(root: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LINT), "--no-cache"],
        cwd=root,
        env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )


def with_import(root: Path, module: str, line: str):
    path = root / (module.replace(".", "/") + ".py")
    original = path.read_text()
    path.write_text(original + f"\n{line}  # noqa\n")
    return path, original


def test_it_keeps_every_contract_of_the_tree(tree):
    result = lint(tree)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 kept, 0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "line", "contract", "chain"),
    [
        (
            "claims.views",
            "from desk import selectors",
            "api -> intake | publishing | desk | discovery -> monitoring -> claims -> sources",
            "claims.views -> desk.selectors",
        ),
        (
            "sources.services",
            "from claims import models",
            "api -> intake | publishing | desk | discovery -> monitoring -> claims -> sources",
            "sources.services -> claims.models",
        ),
        (
            "intake.imports",
            "from publishing import exports",
            "intake, publishing, the desk and discovery do not know each other",
            "intake.imports -> publishing.exports",
        ),
        (
            "claimwatch.perms",
            "import claims.models",
            "claimwatch's shared helpers import no app",
            "claimwatch.perms -> claims.models",
        ),
    ],
)
def test_it_fails_on_an_import_against_a_rule_and_names_it(tree, module, line, contract, chain):
    path, original = with_import(tree, module, line)
    try:
        result = lint(tree)
    finally:
        path.write_text(original)
    assert result.returncode == 1
    # A long contract name leaves no room for a space before its verdict.
    assert re.search(re.escape(contract) + r"\s*BROKEN", result.stdout), result.stdout
    assert chain in result.stdout

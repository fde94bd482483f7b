"""The arrows point one way: adapters -> bot -> knowledge, and asking loads no platform library."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = {
    "bot": {"discord", "slack_bolt", "slack_sdk", "adapters", "aiohttp"},
    "knowledge": {"discord", "slack_bolt", "slack_sdk", "adapters", "bot", "aiohttp"},
}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_imports_nothing_from_platforms_or_adapters(package: str) -> None:
    files = list((ROOT / package).rglob("*.py"))
    assert files
    for path in files:
        leaked = imported_modules(path) & FORBIDDEN[package]
        assert not leaked, f"{path.relative_to(ROOT)} imports {leaked}"


def test_asking_imports_no_platform_library() -> None:
    probe = (
        "import sys; from click.testing import CliRunner; from bot.cli import main; "
        "r = CliRunner().invoke(main, ['ask', '--json', 'What is Stargate?']); assert r.exit_code == 0, r.output; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in {'discord', 'slack_bolt', 'slack_sdk', 'aiohttp', "
        "'sqlalchemy', 'adapters'}))"
    )
    run = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip().splitlines()[-1] == "[]"


def test_every_library_the_code_imports_is_a_declared_dependency() -> None:
    """A green CI can hide a missing install step: what the shipped code imports must be in
    pyproject.toml (core dependencies for bot/ and knowledge/, their extras for adapters)."""
    import re
    import tomllib
    from importlib.metadata import packages_distributions

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]

    def names(requirements: list[str]) -> set[str]:
        return {re.split(r"[\[<>=! ]", r, maxsplit=1)[0].lower().replace("_", "-") for r in requirements}

    core = names(project["dependencies"])
    extras = {key: names(value) for key, value in project["optional-dependencies"].items()}
    allowed = {"bot": core, "knowledge": core, "adapters": core | extras["discord"] | extras["slack"]}
    distributions = packages_distributions()
    local = {"bot", "knowledge", "adapters", "tests"}
    for package, declared in allowed.items():
        for path in (ROOT / package).rglob("*.py"):
            for module in imported_modules(path) - local:
                if module in sys.stdlib_module_names or module == "__future__":
                    continue
                dists = {d.lower().replace("_", "-") for d in distributions.get(module, [])}
                assert dists & declared, f"{path.relative_to(ROOT)} imports {module!r}, not a declared dependency"

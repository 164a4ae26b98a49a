"""The package layout is the pipeline, and imports only point down it (docs/ARCHITECTURE.md):
these tests read every import in `mailer/`, lazy ones inside functions included."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.builders import REPO

PACKAGE = REPO / "mailer"

# What each part of the library may import from mailer (besides itself and the shared
# leaves `errors`, `files`, `cache_folder` and `domain`). Anything not listed is refused.
ALLOWED: dict[str, set[str]] = {
    "domain": set(),
    "config": {"config_ranges", "config_checks"},
    "config_checks": {"config"},
    "config_ranges": set(),
    "reading": {"config"},
    "contacts": {"config", "reading", "ledger"},
    "planning": {"config", "reading", "ledger", "contacts", "results"},
    "ledger": set(),
    "drawing": {"config", "ledger"},
    "printing": {"config", "ledger", "drawing"},
    "sending": {"config", "ledger", "drawing"},
    "followups": {"config", "drawing"},
    "results": {"config", "reading", "ledger"},
    "project": {"config"},
    "session": {
        "config",
        "project",
        "ledger",
        "planning",
        "drawing",
        "printing",
        "sending",
        "followups",
        "session_followups",
    },
    "session_followups": {"config", "ledger", "drawing", "followups"},
    "scaffold": {"drawing"},
    # Loaded by the command line first; its file is kept through `cache_folder`, a leaf.
    "kept_methods": set(),
}
LEAVES = {"errors", "files", "cache_folder", "domain", "__init__", "__version__"}
MAX_LINES = 450


def _part(path: Path) -> str:
    relative = path.relative_to(PACKAGE)
    return relative.parts[0].removesuffix(".py")


def _imports(path: Path) -> set[str]:
    """The mailer parts a module imports (`mailer.x.y` -> `x`)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
            if node.module == "mailer":
                names = [f"mailer.{alias.name}" for alias in node.names]
        for name in names:
            parts = name.split(".")
            if parts[0] == "mailer" and len(parts) > 1:
                found.add(parts[1])
    return found


def _library_modules() -> list[Path]:
    return sorted(
        p for p in PACKAGE.rglob("*.py") if _part(p) not in ("cli", "__main__", "__init__")
    )


@pytest.mark.parametrize("path", _library_modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_point_down_the_pipeline(path: Path) -> None:
    part = _part(path)
    assert part in ALLOWED or part in LEAVES, f"{part}: add it to ALLOWED and the docs"
    allowed = ALLOWED.get(part, set()) | LEAVES | {part}
    if part in ("errors", "files", "cache_folder"):
        # The shared leaves: files may raise the error family's WriteError, nothing more;
        # the cache folder writes through files, nothing more.
        below = {"errors": set(), "files": {"errors"}, "cache_folder": {"errors", "files"}}
        allowed = {part, "__init__"} | below[part]
    wrong = _imports(path) - allowed
    assert not wrong, f"{path.relative_to(REPO)} imports {sorted(wrong)}"


def test_the_domain_reaches_the_cache_folder_only_from_inside_a_function() -> None:
    """The domain is pure but for the tables it reads from libraries (docs/ARCHITECTURE.md):
    it may ask the cache folder for them when one is first needed, never on import."""
    found = []
    for path in sorted((PACKAGE / "domain").glob("*.py")):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            names = (
                [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else []
            )
            if any(n == "mailer.cache_folder" for n in names) or (
                isinstance(node, ast.ImportFrom)
                and node.module == "mailer"
                and any(a.name == "cache_folder" for a in node.names)
            ):
                found.append(path.name)
    assert not found, f"imported on import: {found}"
    # And it does so where the docs say: the holidays and the street words.
    lazy = {
        path.name
        for path in (PACKAGE / "domain").glob("*.py")
        if "from mailer.cache_folder import" in path.read_text(encoding="utf-8")
    }
    assert lazy == {"postal_days.py", "street_lines.py"}


def test_only_the_command_line_talks_to_the_terminal() -> None:
    for path in _library_modules():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            modules: list[str] = []
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                modules = [node.module]
            for module in modules:
                top = module.split(".")[0]
                assert top not in ("typer", "rich", "click"), f"{path}: imports {module}"
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                assert node.func.id not in ("print", "exit", "input"), f"{path}: {node.func.id}()"


def test_no_module_is_longer_than_a_person_reads_at_once() -> None:
    lines = {
        str(p.relative_to(REPO)): len(p.read_text(encoding="utf-8").splitlines())
        for p in PACKAGE.rglob("*.py")
    }
    over = {name: n for name, n in lines.items() if n > MAX_LINES}
    assert not over, over


def test_the_readme_and_the_architecture_name_every_package() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    architecture = (REPO / "docs" / "ARCHITECTURE.md").read_text(encoding="utf-8")
    packages = sorted(p.name for p in PACKAGE.iterdir() if (p / "__init__.py").is_file())
    for name in packages:
        if name == "templates_builtin":
            continue
        assert f"`{name}/`" in readme, f"README layout misses {name}/"
        assert f"`{name}/`" in architecture, f"ARCHITECTURE.md misses {name}/"


def test_no_test_module_imports_another() -> None:
    for path in sorted((REPO / "tests").glob("test_*.py")):
        imported = {f"tests.{name}" for name in _imported_tests(path)}
        assert not imported, f"{path.name} imports {sorted(imported)}: use tests/builders.py"


def _imported_tests(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            parts = node.module.split(".")
            if parts[0] == "tests" and len(parts) > 1 and parts[1].startswith("test_"):
                found.add(parts[1])
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == "tests" and len(parts) > 1 and parts[1].startswith("test_"):
                    found.add(parts[1])
    return found


def test_every_package_is_installed() -> None:
    """A package missing from pyproject.toml works in the checkout and is absent from the
    installed tool."""
    import tomllib

    listed = set(
        tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"][
            "packages"
        ]
    )
    found = {
        ".".join(p.parent.relative_to(REPO).parts)
        for p in PACKAGE.rglob("__init__.py")
        if "__pycache__" not in p.parts
    }
    assert found <= listed, sorted(found - listed)

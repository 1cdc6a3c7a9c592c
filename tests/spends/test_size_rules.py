"""The size rules of #19, enforced: no module over 500 lines and no function over 60 lines, outside tests, migrations
and bench/. Python modules are read with `ast` (a function's lines run from its `def` to its last line, decorators
left out); the web app's scripts (static/app/*.js) count as modules too."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MAX_MODULE_LINES = 500
MAX_FUNCTION_LINES = 60
SKIPPED_DIRS = {
    "tests",
    "migrations",
    "bench",
    ".venv",
    "node_modules",
    "data",
    ".git",
    "vendor",
}  # vendor: static/vendor

# Known violations, each with whoever removes it. A stale entry fails too, so the list only shrinks.
KNOWN_LONG_FUNCTIONS: set[tuple[str, str]] = set()


def _sources(pattern: str) -> list[Path]:
    return sorted(
        path for path in ROOT.rglob(pattern) if not SKIPPED_DIRS.intersection(path.relative_to(ROOT).parts[:-1])
    )


def _line_count(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines())


def _long_functions(path: Path) -> list[tuple[str, int]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return [
        (node.name, node.end_lineno - node.lineno + 1)
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES
    ]


def test_the_walk_finds_the_apps():
    names = {path.relative_to(ROOT).as_posix() for path in _sources("*.py")}
    assert {"purchases/models.py", "demo/services.py", "spends/settings.py", "manage.py"} <= names
    assert not any(name.startswith(("tests/", "bench/")) or "/migrations/" in name for name in names)
    scripts = {path.relative_to(ROOT).as_posix() for path in _sources("*.js")}
    assert "static/app/core.js" in scripts and not any("vendor" in name for name in scripts)


def test_no_module_over_500_lines():
    long_modules = {
        path.relative_to(ROOT).as_posix(): lines
        for path in [*_sources("*.py"), *_sources("*.js")]
        if (lines := _line_count(path)) > MAX_MODULE_LINES
    }
    assert long_modules == {}, f"split these modules (at most {MAX_MODULE_LINES} lines): {long_modules}"


def test_no_function_over_60_lines():
    long_functions = {
        (path.relative_to(ROOT).as_posix(), name): lines
        for path in _sources("*.py")
        for name, lines in _long_functions(path)
    }
    unexpected = {key: lines for key, lines in long_functions.items() if key not in KNOWN_LONG_FUNCTIONS}
    assert unexpected == {}, f"split these functions (at most {MAX_FUNCTION_LINES} lines): {unexpected}"
    stale = KNOWN_LONG_FUNCTIONS - set(long_functions)
    assert not stale, f"no longer too long, remove from KNOWN_LONG_FUNCTIONS: {stale}"


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("def short():\n" + "    x = 1\n" * 59, []),
        ("@decorated\ndef long():\n" + "    x = 1\n" * 60, [("long", 61)]),
        ("class C:\n    async def method(self):\n" + "        x = 1\n" * 60, [("method", 61)]),
    ],
)
def test_function_lengths_count_from_def_to_the_last_line(tmp_path, source, expected):
    path = tmp_path / "module.py"
    path.write_text(source)
    assert _long_functions(path) == expected

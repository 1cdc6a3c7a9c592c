"""Only an app's api/ package imports DRF's serializers, generic views, viewsets and views (#19). import-linter sees
an external package only by its top-level name, so this half of the contract is read here with `ast`: every module
of the apps outside an `api/` package (tests, migrations and bench/ left out) is checked for any form of the import,
and for `rest_framework.serializers` reached as an attribute. DRF's fields, exceptions, settings and utils are allowed
below the API (the validation modules run DRF's fields without a serializer); pyproject.toml's contract "Only an
app's api/ imports the API's serializers and views" covers our own api modules."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APPS = [
    "spends", "households", "catalog", "purchases", "warranties", "attachments", "analytics", "backups", "reminders",
    "transfer", "demo", "moving",
]  # fmt: skip
FORBIDDEN = ("serializers", "generics", "viewsets", "views")  # under rest_framework


def _is_forbidden(dotted: str) -> bool:
    parts = dotted.split(".")
    return parts[0] == "rest_framework" and len(parts) > 1 and parts[1] in FORBIDDEN


def _dotted(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return None if base is None else f"{base}.{node.attr}"
    return None


def forbidden_imports(source: str) -> list[tuple[int, str]]:
    """(line, module) of every import of DRF's serializers, generics, viewsets or views in `source`."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names if _is_forbidden(alias.name)]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
            found += [(node.lineno, name) for name in names if _is_forbidden(name)][:1]
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load):
            dotted = _dotted(node)
            if dotted is not None and dotted.count(".") == 1 and _is_forbidden(dotted):
                found.append((node.lineno, dotted))
    return found


def _modules_outside_api() -> list[Path]:
    modules = []
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            parts = path.relative_to(ROOT).parts[:-1]
            if not {"api", "tests", "migrations"}.intersection(parts):
                modules.append(path)
    return modules


def test_the_walk_finds_the_modules_below_the_api():
    names = {path.relative_to(ROOT).as_posix() for path in _modules_outside_api()}
    assert {"purchases/validation.py", "transfer/validating.py", "spends/fields.py", "spends/urls.py"} <= names
    assert not any("/api/" in name or "/migrations/" in name for name in names)


def test_no_module_outside_an_api_package_imports_drf_serializers_or_views():
    violations = {
        f"{path.relative_to(ROOT).as_posix()}:{line}": name
        for path in _modules_outside_api()
        for line, name in forbidden_imports(path.read_text(encoding="utf-8"))
    }
    assert violations == {}


@pytest.mark.parametrize(
    "source",
    [
        "from rest_framework import serializers",
        "from rest_framework import fields, serializers as s",
        "import rest_framework.serializers",
        "import rest_framework.serializers as s",
        "from rest_framework.serializers import ModelSerializer",
        "from rest_framework.generics import GenericAPIView",
        "from rest_framework import viewsets",
        "from rest_framework.views import APIView",
        "def f():\n    from rest_framework import generics",
        "import rest_framework\nx = rest_framework.serializers.Serializer",
    ],
)
def test_every_form_of_the_import_is_found(source):
    assert forbidden_imports(source)


@pytest.mark.parametrize(
    "source",
    [
        "from rest_framework import fields",
        "from rest_framework.fields import CharField, empty",
        "from rest_framework.exceptions import ValidationError",
        "from rest_framework.settings import api_settings",
        "from rest_framework.utils import html",
        "import rest_framework.fields",
        "from .serializers import X",  # relative: inside our own packages (import-linter's part)
        "from spends.api import serializers",  # ours: pyproject.toml's contract
    ],
)
def test_drfs_fields_exceptions_settings_and_utils_are_allowed(source):
    assert forbidden_imports(source) == []

"""Dependencies point inward: api → services → domain (CONVENTIONS.md 1)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "sochat"


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _modules(package: str) -> list[Path]:
    return sorted((SRC / package).rglob("*.py"))


@pytest.mark.parametrize("path", _modules("domain"), ids=lambda p: p.name)
def test_domain_is_pure(path: Path) -> None:
    for name in _imports(path):
        top = name.split(".")[0]
        if top == "sochat":
            # sochat.errors is the pure error hierarchy the whole code base shares.
            assert name.startswith("sochat.domain") or name == "sochat.errors", f"{path.name} imports {name}"
        else:
            assert top in {
                "__future__",
                "dataclasses",
                "enum",
                "collections",
                "typing",
                "datetime",
                "functools",
                "itertools",
                "math",
                "re",
                "html",
            }, f"{path.name} imports {name}"


@pytest.mark.parametrize("path", _modules("services"), ids=lambda p: p.name)
def test_services_know_no_http_and_no_sql(path: Path) -> None:
    for name in _imports(path):
        assert not name.startswith(
            ("sochat.api", "sochat.storage", "starlette", "sqlalchemy", "asyncpg", "aiosqlite", "uvicorn")
        ), f"{path.name} imports {name}"

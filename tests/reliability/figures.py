"""Figures the security and reliability suites report (printed at the end of the run by
the ``pytest_terminal_summary`` hooks in tests/security/conftest.py and
tests/reliability/conftest.py; also printed at once, for ``-s``)."""

from __future__ import annotations

from collections import defaultdict

FIGURES: dict[str, list[str]] = defaultdict(list)


def report(suite: str, line: str) -> None:
    FIGURES[suite].append(line)
    print(f"[{suite}] {line}")


def lines(suite: str) -> list[str]:
    return list(FIGURES.get(suite, []))

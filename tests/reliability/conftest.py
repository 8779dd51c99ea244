"""Prints the figures this suite collected (see tests/reliability/figures.py)."""

from __future__ import annotations

import pytest

from tests.reliability.figures import lines

SUITE = "reliability"


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    found = lines(SUITE)
    if found:
        terminalreporter.section(f"sochat {SUITE} figures")
        for line in found:
            terminalreporter.write_line(line)

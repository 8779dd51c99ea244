"""Failed logins are limited per user name and per client address."""

from __future__ import annotations

from sochat.auth.ratelimit import FailureWindow


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_blocks_after_the_limit_until_the_window_passes() -> None:
    clock = Clock()
    w = FailureWindow(3, 60, clock)
    for _ in range(3):
        assert w.retry_after("ann") == 0
        w.fail("ann")
        clock.now += 1
    assert 56 < w.retry_after("ann") <= 58
    assert w.retry_after("bob") == 0  # per key
    clock.now += 58
    assert w.retry_after("ann") == 0  # the oldest failure left the window


def test_success_clears_a_key_and_zero_disables() -> None:
    w = FailureWindow(2, 60, Clock())
    w.fail("ann")
    w.succeed("ann")
    w.fail("ann")
    assert w.retry_after("ann") == 0
    off = FailureWindow(0, 60, Clock())
    for _ in range(100):
        off.fail("x")
    assert off.retry_after("x") == 0

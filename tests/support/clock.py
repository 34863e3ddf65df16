"""A fake monotonic clock shared by the HTTP-pacing tests: sleeping advances it instantly and is recorded."""

from __future__ import annotations


class FakeClock:
    """Fake monotonic time for a fake server's call limit and a client's pacing.

    >>> c = FakeClock(); c.sleep(2.5); (c.time(), c.sleeps)
    (1002.5, [2.5])
    """

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

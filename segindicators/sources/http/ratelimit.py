"""A sliding-window rate limiter on a monotonic clock.

Servers such as SCB's PxWebApi allow at most ``max_calls`` requests in any window of ``window`` seconds
(SCB: 30 per 10 s, every call counts). The limiter remembers when its recent calls started and, before a new
call, sleeps until the call fits. A safety margin keeps it strictly inside the server's limit: it allows
``max_calls - margin_calls`` calls per ``window * (1 + margin_fraction)`` seconds, which absorbs the delay
between the moment a request leaves the client and the moment the server counts it.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable


class SlidingWindowLimiter:
    """Pace calls so that no sliding window holds more than the allowed number.

    Parameters
    ----------
    max_calls
        The server's limit of calls per window (``maxCallsPerTimeWindow``).
    window
        The server's window in seconds (``timeWindow``).
    margin_calls
        Calls kept in reserve (default 1; never below one allowed call).
    margin_fraction
        Extra fraction of the window the limiter waits (default 0.1 = 10 %).
    clock, sleep
        Injectable monotonic clock and sleep function (tests pass fakes for instant runs).

    Examples
    --------
    A fake clock makes the pacing visible: 2 calls per second with no margin.

    >>> t = [0.0]
    >>> lim = SlidingWindowLimiter(2, 1.0, margin_calls=0, margin_fraction=0.0,
    ...                            clock=lambda: t[0], sleep=lambda s: t.__setitem__(0, t[0] + s))
    >>> [lim.acquire() for _ in range(5)]
    [0.0, 0.0, 1.0, 0.0, 1.0]
    >>> t[0]
    2.0
    """

    def __init__(
        self,
        max_calls: int,
        window: float,
        *,
        margin_calls: int = 1,
        margin_fraction: float = 0.1,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._clock = clock
        self._sleep = sleep
        self._starts: deque[float] = deque()
        self._lock = threading.Lock()
        self.margin_calls = margin_calls
        self.margin_fraction = margin_fraction
        self.configure(max_calls, window)

    def configure(self, max_calls: int, window: float) -> None:
        """Set the server's limits (for example after reading ``/config``)."""
        if max_calls < 1 or window <= 0:
            raise ValueError(
                f"max_calls={max_calls!r}, window={window!r}: expected at least one call per positive window; "
                "check the server's limits (/config maxCallsPerTimeWindow and timeWindow)."
            )
        self.max_calls = int(max_calls)
        self.window = float(window)
        self.allowed = max(1, self.max_calls - self.margin_calls)
        self.effective_window = self.window * (1.0 + self.margin_fraction)

    def acquire(self) -> float:
        """Block until one more call fits in the window, record it, and return the seconds waited."""
        waited = 0.0
        with self._lock:
            while True:
                now = self._clock()
                while self._starts and self._starts[0] <= now - self.effective_window:
                    self._starts.popleft()
                if len(self._starts) < self.allowed:
                    self._starts.append(now)
                    return waited
                delay = self._starts[0] + self.effective_window - now
                self._sleep(delay)
                waited += delay

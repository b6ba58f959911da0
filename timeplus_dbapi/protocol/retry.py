"""When a request may be sent again, and after how long.

Only answers that prove the server did not act are retried: 429 (honouring ``Retry-After``) for
every request, and 502/503/504 or a refused connection only for requests the caller marks safe
(GETs, and creating a SELECT before any byte of its result arrived). DDL is never re-sent after
a 5xx. An *idempotent* request (an ingest carrying ``x-timeplus-idempotent-id``: the server stores
a body it has seen under the same id only once) is re-sent, with the same id, after any
connection failure short of a time-out (refused, reset, closed without an answer) and after 500,
502, 503 and 504. Attempts are bounded; waits grow 0.25 s, 0.5 s, 1 s.
"""

from __future__ import annotations

import email.utils
import time
from dataclasses import dataclass
from typing import Optional

__all__ = ["RetryPolicy"]

_UNAVAILABLE = (502, 503, 504)
_IDEMPOTENT_RETRY = (500, 502, 503, 504)


@dataclass(frozen=True)
class RetryPolicy:
    max_retries: int = 3
    base_delay: float = 0.25
    max_retry_after: float = 30.0

    def backoff(self, attempt: int) -> float:
        return float(self.base_delay * (2**attempt))

    def delay_after_status(
        self,
        status: int,
        retry_after: Optional[str],
        attempt: int,
        safe: bool,
        idempotent: bool = False,
    ) -> Optional[float]:
        """Seconds to wait before retrying an answer with ``status``; None: do not retry."""
        if attempt >= self.max_retries:
            return None
        retried = status == 429 or (safe and status in _UNAVAILABLE)
        if not (retried or (idempotent and status in _IDEMPOTENT_RETRY)):
            return None
        wait = parse_retry_after(retry_after)
        if wait is None:
            return self.backoff(attempt)
        return wait if wait <= self.max_retry_after else None

    def delay_after_refusal(self, attempt: int, safe: bool) -> Optional[float]:
        """Seconds to wait after a refused connection (nothing was sent); None: give up."""
        return self.backoff(attempt) if safe and attempt < self.max_retries else None

    def delay_after_failure(self, attempt: int, idempotent: bool) -> Optional[float]:
        """Seconds to wait after a connection failed with the request possibly processed
        (reset, closed without an answer); only an idempotent request is re-sent."""
        return self.backoff(attempt) if idempotent and attempt < self.max_retries else None


def parse_retry_after(value: Optional[str]) -> Optional[float]:
    """``Retry-After`` as seconds: a number, or an HTTP date; None when absent or invalid."""
    if not value:
        return None
    text = value.strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        moment = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    return max(0.0, moment.timestamp() - time.time())

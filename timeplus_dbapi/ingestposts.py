"""Sending ingest bodies in order: each is posted by a sender thread while the caller encodes
the next, and a failure reports how many rows the server had confirmed (``rows_accepted``).

A post (``client._post_ingest``) already re-sends its body under the same idempotency id after
a lost answer, 5xx or 429; a failure seen here is final, and nothing is sent after it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Callable, Optional

from .errors import Error

__all__ = ["PipelinedPosts", "note_rows_accepted", "send_bodies"]

logger = logging.getLogger(__name__)

PostBody = Callable[[bytes], None]


class PipelinedPosts:
    """Ingest bodies posted in order, each by a sender thread while the caller encodes the next.

    The post waits on the network and the encoding holds the GIL, so the two overlap. A single
    body (``alone``) is posted by the caller, without a thread. ``accepted`` counts the rows of
    the posts that succeeded; after a failed post nothing more is sent.
    """

    def __init__(self, post: PostBody) -> None:
        self.send = post
        self.accepted = 0
        self._sender: Optional[ThreadPoolExecutor] = None
        self._in_flight: Optional[tuple[Future[None], int]] = None

    @property
    def idle(self) -> bool:
        return self._in_flight is None

    def post(self, body: bytes, count: int, alone: bool = False) -> None:
        if alone:
            self.send(body)
            self.accepted += count
            return
        if self._sender is None:
            self._sender = ThreadPoolExecutor(1, thread_name_prefix="timeplus-ingest")
        self.settle()
        self._in_flight = (self._sender.submit(self.send, body), count)

    def settle(self) -> None:
        """Wait for the post in flight; raise its error or count its rows."""
        if self._in_flight is None:
            return
        future, count = self._in_flight
        error = future.exception()  # an interruption here leaves the post in flight
        self._in_flight = None
        if error is not None:
            raise error
        self.accepted += count

    def finish_quietly(self) -> None:
        """After an interruption: wait for the post in flight (bounded by the transport's
        timeout) so the connection is not in use when the caller sees the exception; a failure
        of that post is logged, not raised over the interruption."""
        try:
            self.settle()
        except Error as error:
            logger.warning("ingest request in flight at the interruption failed: %s", error)

    def close(self) -> None:
        """End the sender thread before returning (nothing is in flight by now)."""
        if self._sender is not None:
            self._sender.shutdown(wait=True)


def note_rows_accepted(failure: Error, accepted: int) -> None:
    """Say on an ingest failure how many rows earlier requests stored."""
    failure.rows_accepted = accepted
    failure.message = f"{failure.message} ({accepted} rows were accepted before the failure)"
    failure.args = (failure.message,)


def send_bodies(post: PostBody, bodies: Iterable[tuple[bytes, int, bool]]) -> int:
    """Post ``(body, rows, is_last)`` bodies in order; the number of rows accepted.

    On a failure (of a post, or of encoding the next body) the raised Error carries
    ``rows_accepted`` and says it in its message; when both a post and the encoding fail, the
    post's failure is raised (its context is the encoding error).
    """
    sending = PipelinedPosts(post)
    try:
        for body, count, is_last in bodies:
            sending.post(body, count, alone=is_last and sending.idle)
        sending.settle()
    except Error as error:
        failure = error
        if not sending.idle:  # the failure is here (encoding); the earlier post still counts
            try:
                sending.settle()
            except Error as earlier:  # the earlier request failed too: that comes first
                failure = earlier
        note_rows_accepted(failure, sending.accepted)
        if failure is error:
            raise
        raise failure  # noqa: B904 (keeps its own cause; its context is the encoding error)
    except BaseException:
        sending.finish_quietly()  # e.g. KeyboardInterrupt: leave the connection idle
        raise
    finally:
        sending.close()
    return sending.accepted

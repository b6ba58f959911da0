"""Retry policy (no server)."""

import email.utils
import time

import pytest

from timeplus_dbapi.protocol.retry import RetryPolicy, parse_retry_after


@pytest.mark.parametrize(
    "status, safe, expected",
    [
        (429, False, 0.25),  # not processed: retried even for ingest
        (503, True, 0.25),
        (502, True, 0.25),
        (504, True, 0.25),
        (503, False, None),  # ingest/DDL: never re-sent after a 5xx
        (500, True, None),  # a real server error
        (400, True, None),
        (401, True, None),
    ],
)
def test_which_statuses_are_retried(status, safe, expected):
    assert RetryPolicy().delay_after_status(status, None, 0, safe) == expected


def test_attempts_are_bounded_and_back_off():
    policy = RetryPolicy()
    waits = [policy.delay_after_status(503, None, attempt, True) for attempt in range(5)]
    assert waits == [0.25, 0.5, 1.0, None, None]


def test_retry_after_is_honoured_and_capped():
    policy = RetryPolicy()
    assert policy.delay_after_status(429, "2", 0, False) == 2.0
    assert policy.delay_after_status(429, "3600", 0, False) is None  # too long: give up
    future = email.utils.formatdate(time.time() + 5, usegmt=True)
    assert 3.0 <= policy.delay_after_status(429, future, 0, False) <= 5.0


@pytest.mark.parametrize("value", [None, "", "soon", "Mon, 99 Foo 2024"])
def test_unusable_retry_after(value):
    assert parse_retry_after(value) is None


def test_refused_connections_are_retried_only_when_safe():
    policy = RetryPolicy()
    assert policy.delay_after_refusal(0, True) == 0.25
    assert policy.delay_after_refusal(0, False) is None
    assert policy.delay_after_refusal(3, True) is None


@pytest.mark.parametrize(
    "status, expected",
    [(500, 0.25), (502, 0.25), (503, 0.25), (504, 0.25), (429, 0.25), (501, None), (400, None)],
)
def test_idempotent_requests_are_retried_after_5xx_and_429(status, expected):
    assert RetryPolicy().delay_after_status(status, None, 0, False, idempotent=True) == expected


def test_lost_connections_are_retried_only_for_idempotent_requests():
    policy = RetryPolicy()
    assert [policy.delay_after_failure(a, True) for a in range(4)] == [0.25, 0.5, 1.0, None]
    assert policy.delay_after_failure(0, False) is None

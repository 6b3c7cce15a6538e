"""Sign-in rules as pure functions of an account's failed attempts and the time (tests pass `now`; nothing sleeps).

- The first `slow_after` failures in a row cost nothing.
- From then on each next attempt must wait: `first_delay` seconds after the last failure, doubling with every
  further failure (2, 4, 8 ... seconds with the defaults), at most `max_delay`. An attempt made while it must wait
  is refused without the password being checked, and does not count as a failure.
- The `lock_after`-th failure in a row locks the account for `lock_minutes`; when the lock is over the count starts
  again. A successful sign-in clears the count.
- A signed-in session idle for `idle_minutes` (15) is over (`is_idle`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SignInPolicy:
    slow_after: int = 3
    lock_after: int = 5
    first_delay_seconds: int = 2
    max_delay_seconds: int = 60
    lock_minutes: int = 15
    idle_minutes: int = 15
    min_password_length: int = 10

    def __post_init__(self) -> None:
        if not 1 <= self.slow_after <= self.lock_after:
            raise ValueError("slow_after must be at least 1 and at most lock_after")


DEFAULT_POLICY = SignInPolicy()


@dataclass(frozen=True, slots=True)
class Attempts:
    """An account's failed sign-ins as stored."""

    failed_count: int = 0
    last_failed_at: dt.datetime | None = None
    locked_until: dt.datetime | None = None


def delay_after(failed_count: int, policy: SignInPolicy = DEFAULT_POLICY) -> dt.timedelta:
    """How long after the last failure the next attempt must wait, given the failures in a row so far."""
    if failed_count < policy.slow_after:
        return dt.timedelta(0)
    seconds = policy.first_delay_seconds * 2 ** (failed_count - policy.slow_after)
    return dt.timedelta(seconds=min(seconds, policy.max_delay_seconds))


def locked_until(attempts: Attempts, now: dt.datetime) -> dt.datetime | None:
    """The end of a lock still in force at `now`, else None."""
    if attempts.locked_until is not None and now < attempts.locked_until:
        return attempts.locked_until
    return None


def wait_until(attempts: Attempts, now: dt.datetime, policy: SignInPolicy = DEFAULT_POLICY) -> dt.datetime | None:
    """When the next attempt may be made, if not yet at `now` (the lock, else the growing delay)."""
    lock = locked_until(attempts, now)
    if lock is not None:
        return lock
    if attempts.locked_until is not None or attempts.last_failed_at is None:
        return None  # a lock that is over starts the count again
    ready = attempts.last_failed_at + delay_after(attempts.failed_count, policy)
    return ready if now < ready else None


def after_failure(attempts: Attempts, now: dt.datetime, policy: SignInPolicy = DEFAULT_POLICY) -> Attempts:
    """The attempts once a wrong password was given at `now`: one more failure, and a lock at `lock_after`."""
    count = 0 if attempts.locked_until is not None else attempts.failed_count  # a lock that is over: from zero
    count += 1
    if count >= policy.lock_after:
        return Attempts(count, now, now + dt.timedelta(minutes=policy.lock_minutes))
    return Attempts(count, now, None)


def is_idle(last_seen: dt.datetime, now: dt.datetime, policy: SignInPolicy = DEFAULT_POLICY) -> bool:
    """Whether a signed-in session unused since `last_seen` is over at `now` (15 minutes by default)."""
    return now - last_seen >= dt.timedelta(minutes=policy.idle_minutes)

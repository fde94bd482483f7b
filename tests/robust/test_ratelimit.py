"""Issue 14, item 5: the per-user limiter forgets users and never tracks more than its cap."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.ratelimit import RateLimiter, Verdict


def test_thirty_thousand_one_off_users_are_forgotten_once_their_window_passes() -> None:
    clock = [0.0]
    limiter = RateLimiter(5, 30, clock=lambda: clock[0])
    for n in range(30_000):
        clock[0] = n * 0.01  # 300 s of traffic, each user asking once
        assert limiter.check(f"U{n}") is Verdict.ALLOW
    assert len(limiter) <= 30 / 0.01 + 1  # only the users of the last window remain


def test_the_cap_holds_under_a_burst_and_the_limit_still_works() -> None:
    limiter = RateLimiter(2, 30, clock=lambda: 0.0, max_users=1000)
    for n in range(5000):
        limiter.check(f"U{n}")
    assert len(limiter) == 1000
    assert [limiter.check("spammer") for _ in range(4)] == [Verdict.ALLOW, Verdict.ALLOW, Verdict.WARN, Verdict.DROP]
    assert limiter.retry_after("spammer") == 30


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 5), st.floats(0, 20)), max_size=60))
def test_forgetting_never_changes_whether_a_question_is_allowed(steps: list[tuple[int, float]]) -> None:
    """An evicting limiter (ten users at most, six here) allows exactly what a plain count of
    each user's last ten seconds allows."""
    clock = [0.0]
    limiter = RateLimiter(2, 10, clock=lambda: clock[0], max_users=10)
    history: dict[int, list[float]] = {}
    for user, gap in steps:
        clock[0] += gap
        recent = [t for t in history.get(user, []) if clock[0] - t < 10]
        allowed = len(recent) < 2
        assert (limiter.check(str(user)) is Verdict.ALLOW) == allowed
        history[user] = [*recent, clock[0]] if allowed else recent

"""Admin password hashing, constant-time checking and throttling."""

from __future__ import annotations

from finder.auth import PasswordCheck, Throttle, hash_password


def test_no_password_configured_means_admin_is_off():
    assert PasswordCheck.from_config("") is None
    assert PasswordCheck.from_config(None) is None


def test_plain_password_is_kept_only_as_a_hash():
    check = PasswordCheck.from_config("correct horse")
    assert check is not None
    assert "correct horse" not in check.stored
    assert check.verify("correct horse")
    assert not check.verify("correct hors")
    assert not check.verify("")


def test_a_prehashed_password_is_used_as_is():
    stored = hash_password("s3cret", salt="abc", iterations=1000)
    check = PasswordCheck.from_config(stored)
    assert check is not None
    assert check.stored == stored
    assert check.verify("s3cret")
    assert not check.verify("S3cret")


class FakeClock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def test_throttle_slows_down_repeated_failures_and_resets_on_success():
    clock = FakeClock()
    throttle = Throttle(free=3, clock=clock)
    throttle.failed()
    throttle.failed()
    assert throttle.wait_s() == 0
    throttle.failed()
    assert throttle.wait_s() == 2
    throttle.failed()
    assert throttle.wait_s() == 4
    clock.now += 4
    assert throttle.wait_s() == 0
    for _ in range(20):
        throttle.failed()
    assert throttle.wait_s() == 60
    throttle.succeeded()
    assert throttle.wait_s() == 0

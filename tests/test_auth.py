"""Admin password hashing, constant-time checking and throttling."""

from __future__ import annotations

import pytest

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


def _fail(throttle, keys):
    return throttle.attempt(keys, lambda: False)


def test_throttle_slows_down_repeated_failures_and_resets_on_success():
    clock = FakeClock()
    throttle = Throttle(free=3, clock=clock)
    me = ["session:me"]
    assert not _fail(throttle, me).refused
    assert not _fail(throttle, me).refused
    assert throttle.wait_s(me) == 0
    _fail(throttle, me)
    assert throttle.wait_s(me) == 2
    assert _fail(throttle, me).refused  # not even checked while waiting
    clock.now += 2
    _fail(throttle, me)
    assert throttle.wait_s(me) == 4
    for _ in range(20):
        clock.now += 60
        _fail(throttle, me)
    assert throttle.wait_s(me) == 60
    clock.now += 60
    assert throttle.attempt(me, lambda: True).ok
    assert throttle.wait_s(me) == 0


def test_login_throttle_counts_per_client_so_a_stranger_cannot_lock_the_admin_out():
    """Issue 17, defect 4: the counter was global, so 9 failures from anyone refused the admin."""
    clock = FakeClock()
    throttle = Throttle(free=3, shared_free=20, max_wait_s=60, clock=clock)
    for _ in range(200):
        _fail(throttle, ["session:stranger", "ip:203.0.113.9"])
        clock.now += 0.5
    assert throttle.wait_s(["session:stranger", "ip:203.0.113.9"]) > 0
    admin = ["session:admin", "ip:198.51.100.4"]
    assert throttle.wait_s(admin) == 0
    assert throttle.attempt(admin, lambda: True).ok


def test_login_throttle_on_a_shared_address_delays_at_most_max_wait():
    clock = FakeClock()
    throttle = Throttle(free=3, shared_free=20, max_wait_s=60, clock=clock)
    for i in range(100):  # a stranger opening new tabs behind the same proxy
        _fail(throttle, [f"session:s{i // 3}", "ip:10.0.0.1"])
    admin = ["session:admin", "ip:10.0.0.1"]
    assert 0 < throttle.wait_s(admin) <= 60
    clock.now += 60
    assert throttle.attempt(admin, lambda: True).ok


def test_login_throttle_failures_decay():
    clock = FakeClock()
    throttle = Throttle(free=3, half_life_s=600, clock=clock)
    for _ in range(3):
        _fail(throttle, ["session:me"])
    assert throttle.wait_s(["session:me"]) > 0
    clock.now += 3600  # six half-lives: the old burst is forgotten
    assert throttle.wait_s(["session:me"]) == 0
    assert not _fail(throttle, ["session:me"]).refused
    assert throttle.wait_s(["session:me"]) == 0


def test_login_throttle_race_simultaneous_wrong_passwords_are_not_all_checked():
    """Issue 17, defect 4: 16 of 20 simultaneous wrong passwords were checked; now at most `free`."""
    import threading
    import time

    throttle = Throttle(free=3)
    checked = []
    lock = threading.Lock()
    start = threading.Barrier(20)

    def verify():
        with lock:
            checked.append(1)
        time.sleep(0.05)  # the slow hash: the window the race used
        return False

    def worker():
        start.wait()
        throttle.attempt(["session:attacker"], verify)

    threads = [threading.Thread(target=worker) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(checked) == 3


@pytest.mark.parametrize("blank", [" ", "   ", "\t", " \n "])
def test_whitespace_only_admin_password_counts_as_unset(blank):
    """Issue 17, defect 13: a three-space FINDER_ADMIN_PASSWORD turned the admin page on."""
    assert PasswordCheck.from_config(blank) is None


def test_login_throttle_memory_is_bounded():
    clock = FakeClock()
    throttle = Throttle(free=3, max_clients=100, clock=clock)
    for i in range(1000):
        _fail(throttle, [f"session:{i}"])
    assert len(throttle._clients) <= 100

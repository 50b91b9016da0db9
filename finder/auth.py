"""Admin password checking: a stored hash, compared in constant time, with throttling.

The password comes from ``FINDER_ADMIN_PASSWORD`` (or ``admin_password`` in
Streamlit secrets). It may be given as plain text or, better, as a PBKDF2 hash
made by ``python -m finder.auth`` (``pbkdf2_sha256$<iterations>$<salt>$<hash>``).
Either way only a hash is kept in memory, and attempts are compared with
``hmac.compare_digest``. Repeated failures from one client (browser session,
or address) make that client's next attempt wait longer; see ``Throttle``.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

__all__ = ["Attempt", "PasswordCheck", "Throttle", "hash_password"]

_ITERATIONS = 200_000


def hash_password(password: str, *, salt: str | None = None, iterations: int = _ITERATIONS) -> str:
    """Return ``pbkdf2_sha256$iterations$salt$hex`` for a password.

    Parameters
    ----------
    password : str
    salt : str, optional
        Random when not given.
    iterations : int

    Returns
    -------
    str
    """
    salt = salt or secrets.token_hex(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt.encode("ascii"), iterations)
    return f"pbkdf2_sha256${iterations}${salt}${digest.hex()}"


@dataclass(frozen=True, slots=True)
class PasswordCheck:
    """A configured admin password, kept only as a hash."""

    stored: str

    @classmethod
    def from_config(cls, configured: str | None) -> PasswordCheck | None:
        """Build from the configured value; None when no password is set (admin off).

        A value of only spaces counts as unset: it is almost certainly a
        mistake in a secrets file, not a password anyone chose.
        """
        if not configured or not configured.strip():
            return None
        if configured.startswith("pbkdf2_sha256$") and configured.count("$") == 3:
            return cls(configured)
        return cls(hash_password(configured))

    def verify(self, attempt: str) -> bool:
        """Whether ``attempt`` is the password (constant-time comparison)."""
        try:
            _, iterations, salt, _ = self.stored.split("$")
            candidate = hash_password(attempt, salt=salt, iterations=int(iterations))
        except ValueError:
            return False
        return hmac.compare_digest(candidate.encode(), self.stored.encode())


@dataclass(slots=True)
class _Client:
    score: float = 0.0  # failures, decaying; an attempt being checked counts as one
    at: float = 0.0  # when ``score`` was measured
    failed_at: float = 0.0  # the last failure (or reservation)


@dataclass(frozen=True, slots=True)
class Attempt:
    """What ``Throttle.attempt`` decided.

    Parameters
    ----------
    ok : bool
        The password was checked and is right.
    wait_s : float
        When refused without checking: seconds until the next try is allowed.
    """

    ok: bool
    wait_s: float = 0.0

    @property
    def refused(self) -> bool:
        """True when the password was not even checked (too many failures)."""
        return self.wait_s > 0


@dataclass
class Throttle:
    """Slow down repeated wrong passwords, per client, with decay, without locking anyone out.

    Failures are counted per client key: ``"session:<id>"`` (the browser tab's
    Streamlit session) and ``"ip:<address>"`` where Streamlit exposes the
    address. After ``free`` failures of a key (``shared_free`` for an address,
    which several people may share behind one proxy), the next attempt from
    that key waits 2, 4, 8... s, at most ``max_wait_s``. Counts decay with a
    half-life of ``half_life_s``, so an old burst is forgotten.

    A stranger's failures count only against the stranger's own keys: the
    admin's session is never slowed by them, and an address shared with a
    stranger slows the admin by at most ``max_wait_s``, never more.

    Checking is race-free: ``attempt`` reserves the try under a lock (counting
    it as a failure in advance) before the slow hash runs, so N simultaneous
    wrong passwords from one client are not all checked; a right password
    gives the reservation back.
    """

    free: int = 3
    shared_free: int = 20
    max_wait_s: float = 60.0
    half_life_s: float = 900.0
    clock: Callable[[], float] = time.monotonic
    max_clients: int = 10_000
    _clients: dict[str, _Client] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def _allowance(self, key: str) -> int:
        return self.shared_free if key.startswith("ip:") else self.free

    def _score(self, key: str, now: float) -> float:
        client = self._clients.get(key)
        if client is None:
            return 0.0
        return client.score * 0.5 ** (max(0.0, now - client.at) / self.half_life_s)

    def _wait(self, key: str, now: float) -> float:
        client = self._clients.get(key)
        if client is None:
            return 0.0
        # Whole failures: a count that has decayed a little still counts.
        over = math.floor(self._score(key, now) + 0.5) - self._allowance(key)
        if over < 0:
            return 0.0
        # Measured from the last failure: waiting it out allows the next try.
        return max(0.0, min(self.max_wait_s, 2.0 ** (over + 1)) - (now - client.failed_at))

    def wait_s(self, keys: Sequence[str]) -> float:
        """Seconds until these client keys may try again (0 when allowed now)."""
        with self._lock:
            now = self.clock()
            return max((self._wait(k, now) for k in keys), default=0.0)

    def _forget_old(self, now: float) -> None:
        if len(self._clients) < self.max_clients:
            return
        # Bounded memory: drop the clients whose count has decayed away, then,
        # if a flood of new sessions left too many, the least-failed half.
        for key in [k for k in self._clients if self._score(k, now) < 0.5]:
            del self._clients[key]
        if len(self._clients) >= self.max_clients:
            ranked = sorted(self._clients, key=lambda k: self._score(k, now))
            for key in ranked[: len(ranked) // 2]:
                del self._clients[key]

    def attempt(self, keys: Sequence[str], verify: Callable[[], bool]) -> Attempt:
        """Check a password for a client, or refuse without checking when it must wait.

        Parameters
        ----------
        keys : sequence of str
            The client's keys, e.g. ``["session:abc", "ip:192.0.2.7"]``.
        verify : callable
            Runs the (slow) password check; called only when allowed.

        Returns
        -------
        Attempt
        """
        with self._lock:
            now = self.clock()
            wait = max((self._wait(k, now) for k in keys), default=0.0)
            if wait > 0:
                return Attempt(False, wait)
            self._forget_old(now)
            for key in keys:  # reserve: counted as a failure until proven right
                score = self._score(key, now)
                self._clients[key] = _Client(score + 1, now, now)
        ok = False
        try:
            ok = bool(verify())
        finally:
            if ok:
                with self._lock:
                    now = self.clock()
                    for key in keys:
                        client = self._clients.get(key)
                        if client is None:
                            continue
                        if key.startswith("ip:"):
                            client.score = max(0.0, self._score(key, now) - 1)
                            client.at = now
                        else:
                            del self._clients[key]  # this client's slate is wiped
        return Attempt(ok)


if __name__ == "__main__":  # pragma: no cover - a tiny helper for deployers
    import getpass

    print(hash_password(getpass.getpass("Admin password: ")))

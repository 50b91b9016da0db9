"""Admin password checking: a stored hash, compared in constant time, with throttling.

The password comes from ``FINDER_ADMIN_PASSWORD`` (or ``admin_password`` in
Streamlit secrets). It may be given as plain text or, better, as a PBKDF2 hash
made by ``python -m finder.auth`` (``pbkdf2_sha256$<iterations>$<salt>$<hash>``).
Either way only a hash is kept in memory, and attempts are compared with
``hmac.compare_digest``. Repeated failures make the next attempt wait longer.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

__all__ = ["PasswordCheck", "Throttle", "hash_password"]

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
        """Build from the configured value; None when no password is set (admin off)."""
        if not configured:
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


@dataclass
class Throttle:
    """Slow down repeated failures: after ``free`` failures, wait 2, 4, 8... s (max 60).

    One instance is shared by every session of the app process, so opening a
    new browser tab does not reset it.
    """

    free: int = 3
    max_wait_s: float = 60.0
    clock: Callable[[], float] = time.monotonic
    failures: int = 0
    next_allowed: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def wait_s(self) -> float:
        """Seconds until the next attempt is allowed (0 when allowed now)."""
        return max(0.0, self.next_allowed - self.clock())

    def failed(self) -> None:
        """Record a failed attempt."""
        with self._lock:
            self.failures += 1
            if self.failures >= self.free:
                wait = min(self.max_wait_s, 2.0 ** (self.failures - self.free + 1))
                self.next_allowed = self.clock() + wait

    def succeeded(self) -> None:
        """Record a successful login: the slate is wiped."""
        with self._lock:
            self.failures = 0
            self.next_allowed = 0.0


if __name__ == "__main__":  # pragma: no cover - a tiny helper for deployers
    import getpass

    print(hash_password(getpass.getpass("Admin password: ")))

"""Abuse limits: how fast notes may come, shared by HTTP and Socket.IO.

A venue's 300 phones often reach us through one router, so one public IP is not one person;
and a participant id is cheap to ask for, so one id is not one person either. Every note,
reply, +1 and dot (`spend_posting_budget`, called for HTTP by identity.posting and for
Socket.IO by gallery/live/socket.py, under the same keys) is limited, in this order:

1. per participant (the anonymous `pid`, issued once per device by identity.py, which limits
   new ones per IP): strict, a person writes a few notes a minute, an outbox flushed after a
   dead spot a few dozen at once;
2. per IP, by the rule of stations/posting.py: an id that posts the moment it is issued is a
   newcomer, and an address's newcomers share a small budget (a script that takes a new
   identity for every note gets a few dozen a minute); established participants share a
   budget that grows with how many of them post from the address (a venue's 300 phones
   pass), under a ceiling of what the server itself can take. A request refused by (1) never
   spends (2), so one flooding phone exhausts only its own budget and the others behind the
   same router keep posting.

Also here: lookups by workshop code, workshop creation, admin password guesses (the HTTP ones
by Flask-Limiter). With several processes the storage is Redis (`GALLERY_RATELIMIT_STORAGE`,
by default the `GALLERY_MESSAGE_QUEUE` when that is redis://).

Every refusal is `{"ok": false, "error": {"code": "rate_limited", "message", "retry_after"}}`
(HTTP 429 with `Retry-After`). `GALLERY_RATE_LIMITS=false` switches all rate limits off (tests,
benchmarks); the cap on notes per station and the message size limits stay.
"""

from __future__ import annotations

import functools
import math
import threading
import time

from flask import Flask, current_app, request
from flask_limiter import Limiter
from limits import RateLimitItem, RateLimitItemPerMinute, parse_many
from limits.storage import SlidingWindowCounterSupport, Storage

from stations.posting import AddressBudget

from .errors import error_body

KEY_PREFIX = "gallery"
# Spent by both transports; the scope names are part of the storage keys.
PARTICIPANT_SCOPE = "post:participant"
IP_SCOPE = "post:ip"
GROWN_SCOPE = "post:address"  # the address's budget that grows with its participants
NEWCOMER_SCOPE = "post:newcomers"
ESTABLISHED_SCOPE = "established"
LOOKUP_MISS_SCOPE = "lookup-miss"


def client_ip() -> str:
    return request.remote_addr or "unknown"


def _ip_key() -> str:
    return f"ip:{client_ip()}"


def _setting(key: str):
    return lambda: current_app.config[key]


class SweptMemoryStorage(Storage, SlidingWindowCounterSupport):
    """`memory://` of our own: counters in this process, expired ones swept once a second
    by one timer at a time. Every answer reads the expiry itself; the sweep only frees memory
    (under gevent, upstream's memory storage started a sweep of every key after each hit)."""

    STORAGE_SCHEME = ["gallery-memory"]
    SWEEP_SECONDS = 1.0

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options):
        self._counts: dict[str, tuple[int, float]] = {}  # key -> (count, expires at)
        self._lock = threading.Lock()
        self.timer: threading.Timer | None = None
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)

    @property
    def base_exceptions(self) -> type[Exception]:
        return ValueError

    def _schedule_sweep(self) -> None:
        """Under the lock."""
        if self.timer is not None:
            return
        timer = threading.Timer(self.SWEEP_SECONDS, self._sweep)
        timer.daemon = True
        timer.start()  # if this fails, the next hit tries again
        self.timer = timer

    def _sweep(self) -> None:
        now = time.time()
        with self._lock:
            self.timer = None
            for key in [k for k, (_, end) in self._counts.items() if end <= now]:
                del self._counts[key]

    def _count(self, key: str, now: float) -> int:
        count, end = self._counts.get(key, (0, 0.0))
        return count if end > now else 0

    def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        now = time.time()
        with self._lock:
            count = self._count(key, now)
            end = self._counts[key][1] if count else now + expiry
            self._counts[key] = (count + amount, end)
            self._schedule_sweep()
            return count + amount

    def get(self, key: str) -> int:
        with self._lock:
            return self._count(key, time.time())

    def get_expiry(self, key: str) -> float:
        now = time.time()
        with self._lock:
            return self._counts[key][1] if self._count(key, now) else now

    def check(self) -> bool:
        return True

    def reset(self) -> int | None:
        with self._lock:
            count = len(self._counts)
            self._counts.clear()
        return count

    def clear(self, key: str) -> None:
        with self._lock:
            self._counts.pop(key, None)

    def acquire_sliding_window_entry(
        self, key: str, limit: int, expiry: int, amount: int = 1
    ) -> bool:
        if amount > limit:
            return False
        now = time.time()
        previous_key, current_key = self.sliding_window_keys(key, expiry, now)
        with self._lock:
            window = self._window(previous_key, current_key, expiry, now)
            previous, previous_ttl, current, _ = window
            if math.floor(previous * previous_ttl / expiry + current) + amount > limit:
                return False
            end = self._counts[current_key][1] if current else now + 2 * expiry
            self._counts[current_key] = (current + amount, end)
            self._schedule_sweep()
        return True

    def get_sliding_window(self, key: str, expiry: int) -> tuple[int, float, int, float]:
        now = time.time()
        previous_key, current_key = self.sliding_window_keys(key, expiry, now)
        with self._lock:
            return self._window(previous_key, current_key, expiry, now)

    def clear_sliding_window(self, key: str, expiry: int) -> None:
        for window in self.sliding_window_keys(key, expiry, time.time()):
            self.clear(window)

    @staticmethod
    def sliding_window_keys(key: str, expiry: int, at: float) -> tuple[str, str]:
        """The previous and the current window's keys (as upstream's storages name them)."""
        return f"{key}/{int((at - expiry) / expiry)}", f"{key}/{int(at / expiry)}"

    def _window(self, previous_key: str, current_key: str, expiry: int, now: float):
        """(previous count, its weight in seconds, current count, current TTL), as the
        sliding window counter strategy reads them."""
        previous = self._count(previous_key, now)
        previous_ttl = (1 - (((now - expiry) / expiry) % 1)) * expiry if previous else 0.0
        current_ttl = (1 - ((now / expiry) % 1)) * expiry + expiry
        return previous, previous_ttl, self._count(current_key, now), current_ttl


def storage_uri(settings) -> str:
    """Where the counters live: explicit, else Redis when the processes already share one,
    else this process's memory (swept once a second)."""
    if settings["RATELIMIT_STORAGE"]:
        uri = settings["RATELIMIT_STORAGE"]
        return "gallery-memory://" if uri.startswith("memory://") else uri
    queue = settings["MESSAGE_QUEUE"] or ""
    if queue.startswith(("redis://", "rediss://")):
        return queue
    return "gallery-memory://"


limiter = Limiter(
    key_func=_ip_key,
    # Two counters per key, the previous window weighted by how much of it still overlaps: a
    # burst at a window edge cannot double the budget, and a key costs the same whatever its
    # limit (a moving window keeps an entry per hit: 6,000 objects for a venue's address, and
    # 300 an hour per participant, each one more for the garbage collector to walk).
    strategy="sliding-window-counter",
    key_prefix=KEY_PREFIX,
    headers_enabled=False,  # Retry-After is written by the 429 handler below
    # Redis gone: count in this process's memory, and never turn a note away for an outage.
    in_memory_fallback_enabled=True,
    swallow_errors=True,
)

# Spent only by answers "no such workshop" (404): people who typed a code right pass freely.
looking_up = limiter.shared_limit(
    _setting("LOOKUP_MISS_LIMIT_IP"),
    scope=LOOKUP_MISS_SCOPE,
    key_func=_ip_key,
    deduct_when=lambda response: response.status_code == 404,
)


# Workshops created per IP address (only a workshop actually created spends it).
creating = limiter.shared_limit(
    _setting("CREATE_LIMIT_IP"),
    scope="create",
    key_func=_ip_key,
    methods=["POST"],
    deduct_when=lambda response: response.status_code == 303,
)


@functools.lru_cache(maxsize=16)
def _parsed(limits_text: str) -> tuple[RateLimitItem, ...]:
    return tuple(parse_many(limits_text))


def _items(key: str) -> tuple[RateLimitItem, ...]:
    return _parsed(current_app.config[key])


def spend(setting: str, key: str, scope: str) -> None:
    """Spend one from each limit of `setting` for `key`, or raise Refusal."""
    strategy = limiter.limiter
    owner = [KEY_PREFIX, key, scope]
    for item in _items(setting):
        if not strategy.hit(item, *owner):
            raise Refusal(strategy.get_window_stats(item, *owner).reset_time - time.time())


def spend_ip_budget(setting: str, scope: str) -> None:
    """`spend` for this request's IP address."""
    spend(setting, _ip_key(), scope)


def looked_up(found: bool) -> None:
    """A lookup by code outside HTTP (Socket.IO's get_rotation): refused like /j/<code> once
    the address has had its misses, hit or not (else a hit would still tell), and a miss
    spends one. Raises Refusal."""
    if not current_app.config["RATE_LIMITS"]:
        return
    strategy = limiter.limiter
    address = [KEY_PREFIX, _ip_key(), LOOKUP_MISS_SCOPE]
    for item in _items("LOOKUP_MISS_LIMIT_IP"):
        if not strategy.test(item, *address):
            raise Refusal(strategy.get_window_stats(item, *address).reset_time - time.time())
    if not found:
        spend_ip_budget("LOOKUP_MISS_LIMIT_IP", LOOKUP_MISS_SCOPE)


def _address_budget() -> AddressBudget:
    config = current_app.config
    return AddressBudget(
        base=config["POST_LIMIT_IP_BASE"],
        per_participant=config["POST_LIMIT_IP_PER_PARTICIPANT"],
        newcomers=config["NEWCOMER_POST_LIMIT_IP"],
        newcomer_seconds=config["NEWCOMER_SECONDS"],
    )


class _PerMinute(RateLimitItemPerMinute):
    """A per-minute limit whose amount changes from note to note (the address's budget grows
    with its participants) while its counters stay the same: the key leaves the amount out."""

    def key_for(self, *identifiers: str) -> str:
        return "/".join(["LIMITER", *identifiers, "per-minute"])


def _established_here(pid: str) -> int:
    """Established participants that posted from this address in this minute or the last
    (the larger count: the budget does not drop at a minute's turn). Counts `pid` in."""
    storage = limiter.limiter.storage
    window = int(time.time() // 60)
    where = f"{KEY_PREFIX}/{ESTABLISHED_SCOPE}/{_ip_key()}"
    if storage.incr(f"{where}/{pid}/{window}", 120) == 1:
        storage.incr(f"{where}/{window}", 120)
    return max(storage.get(f"{where}/{window - 1}"), storage.get(f"{where}/{window}"))


BORN_MEMORY = 24 * 3600


def first_issued(pid: str, now: float) -> float:
    """When `pid` was first issued, as the counters' storage remembers it (for a day), else
    `now`, remembered from here on: a phone whose connections bring no cookie comes back
    with its device id, and a reconnect must not make it new again."""
    storage = limiter.limiter.storage
    key = f"{KEY_PREFIX}/issued/{pid}"
    born = storage.get(key)
    if 0 < born <= now:
        return float(born)
    storage.clear(key)  # none, or two first connections at once added their times up
    storage.incr(key, BORN_MEMORY, int(now))
    return now


def _refusal(item: RateLimitItem, owner: list[str]) -> Refusal:
    return Refusal(limiter.limiter.get_window_stats(item, *owner).reset_time - time.time())


def spend_posting_budget(pid: str, age: float) -> None:
    """One note, reply, +1 or dot of participant `pid`, issued `age` seconds ago, from this
    request's address: the participant's budget, then the address's (a newcomer's share of
    it, its budget that grows with its established participants, its ceiling), or Refusal.
    A refusal by the participant's budget spends nothing of the address's, so one flooding
    phone stops alone. HTTP (identity.posting) and Socket.IO (live/socket.py) both come here."""
    strategy = limiter.limiter
    spend("POST_LIMIT_PARTICIPANT", f"p:{pid}", PARTICIPANT_SCOPE)
    rule = _address_budget()
    address = _ip_key()
    tested = [(item, [KEY_PREFIX, address, IP_SCOPE]) for item in _items("POST_LIMIT_IP")]
    if rule.established(age):
        grown = _PerMinute(rule.per_minute(_established_here(pid)))
        owner = [KEY_PREFIX, address, GROWN_SCOPE]
    else:
        grown = _PerMinute(rule.newcomers)
        owner = [KEY_PREFIX, address, NEWCOMER_SCOPE]
    for item, where in tested:
        if not strategy.test(item, *where):
            raise _refusal(item, where)
    if not strategy.hit(grown, *owner):
        raise _refusal(grown, owner)
    for item, where in tested:
        strategy.hit(item, *where)


# --- admin password guessing ----------------------------------------------------------------

# Wrong admin passwords from one address: the first few are free (typos), then each waits
# twice as long as the one before, up to an hour; forgotten a day after the last one.
ADMIN_FREE_TRIES = 3
ADMIN_MAX_WAIT = 3600
ADMIN_MEMORY = 24 * 3600


def _admin_keys() -> tuple[str, str]:
    where = f"{KEY_PREFIX}/admin-password/{_ip_key()}"
    return f"{where}/wrong", f"{where}/wait"


def admin_wait() -> int:
    """Seconds this address must still wait before its next admin password is checked."""
    if not current_app.config["RATE_LIMITS"]:
        return 0
    storage = limiter.limiter.storage
    _, wait = _admin_keys()
    try:
        if not storage.get(wait):
            return 0
        return max(1, math.ceil(storage.get_expiry(wait) - time.time()))
    except Exception:  # the counters' storage failed: check the password as before
        current_app.logger.exception("rate limit storage failed; admin password checked")
        return 0


def admin_password_wrong() -> None:
    """Count a wrong admin password from this address, make the next one wait, log it."""
    wrong, wait = _admin_keys()
    delay = 0
    count = 0
    if current_app.config["RATE_LIMITS"]:
        storage = limiter.limiter.storage
        try:
            count = storage.incr(wrong, ADMIN_MEMORY)
            if count > ADMIN_FREE_TRIES:
                delay = min(2 ** (count - ADMIN_FREE_TRIES - 1), ADMIN_MAX_WAIT)
                storage.clear(wait)
                storage.incr(wait, delay)
        except Exception:
            current_app.logger.exception("rate limit storage failed; admin password counted")
    current_app.logger.warning(
        "wrong admin password from %s (%s in a row); next try in %s s",
        client_ip(), count or "?", delay,
    )  # fmt: skip


def admin_password_right() -> None:
    if current_app.config["RATE_LIMITS"]:
        wrong, _ = _admin_keys()
        try:
            limiter.limiter.storage.clear(wrong)
        except Exception:
            current_app.logger.exception("rate limit storage failed")


# --- refusals ----------------------------------------------------------------------------


class Refusal(Exception):
    def __init__(self, retry_after: float) -> None:
        super().__init__("rate_limited")
        self.retry_after = max(1, math.ceil(retry_after))


def refusal_body(retry_after: int) -> dict:
    body = error_body("rate_limited")
    body["error"]["retry_after"] = retry_after
    return body


def retry_after_now() -> int:
    """Seconds until the HTTP limit that just refused a request lets it through."""
    current = limiter.current_limit
    return Refusal(current.reset_at - time.time() if current is not None else 60).retry_after


# --- wiring ------------------------------------------------------------------------------


def init_app(app: Flask) -> None:
    settings = app.config
    app.config["RATELIMIT_ENABLED"] = bool(settings["RATE_LIMITS"])
    app.config["RATELIMIT_STORAGE_URI"] = storage_uri(settings)
    limiter.init_app(app)

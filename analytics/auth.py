"""Users, roles, school scope, sign-in and sessions of the dashboard (no Streamlit here).

**Modes** (``mode``): without a users file the dashboard is a single-user tool on the
operator's own machine (``"local"``: everyone who can reach it is the administrator, so
``check_bind`` refuses any address but loopback); with a users file (``"users"``) every
page asks for a sign-in.

**Users file**: JSON at ``config.users_file_path`` (default ``secrets/users.json`` beside
the database, mode 0600), written only by ``python -m analytics user ...`` or an admin
page through ``add_user``/``remove_user``/``set_password``. It holds per user the role,
the schools and an argon2id hash (argon2-cffi's defaults, RFC 9106 low-memory profile);
a hash made with weaker parameters is replaced at the next successful sign-in.

**Roles** (``PERMISSIONS``): ``admin`` manages users, imports, undoes, exports and sees
all schools; ``leader`` views, exports the meeting pack and records the leadership group's
actions (``record_decision``: record, close, undo its own records) for their schools;
``researcher`` views, uploads and makes research/aggregate exports for their schools,
with names and IDs masked on screen (``mask``); ``viewer`` only views.

**Scope**: a user's schools become ``Filters.scope`` (``scoped``), which every query of
``analytics`` applies; admins, and users added with ``--all-schools``, have ``None``.
A user may instead (or as well) be given counties (区县) or regions: ``resolve`` turns them
into the schools the roster places there (``hierarchy.area_schools``), on every page run, so
the scope stays a tuple of school IDs. Before it is resolved such a user sees no school.

**Brute force**: ``LoginThrottle`` counts failed sign-ins per user name and per real client
address (``client_address``: ``X-Forwarded-For`` only from ``Settings.trusted_proxies``);
after ``FREE_FAILURES`` for a name (``ADDRESS_FREE_FAILURES`` for an address) the next attempt
must wait 1, 2, 4 ... seconds (at most ``MAX_DELAY``), whichever key is further behind. The
check and the count are one step; at most ``MAX_HASH_CHECKS`` verifications run at once; the
counters are kept beside the users file across restarts. Unknown names cost the same argon2
verification as known ones, so timing does not tell which names exist.

**OIDC**: when the operator configures ``st.login`` in ``secrets.toml``, ``oidc_user``
maps the identity's claims to a user through the ``[access]`` section of the same
file (see SECURITY.md).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import hmac
import ipaddress
import json
import os
import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from analytics import audit, schema
from analytics.config import Settings, users_file_path
from analytics.errors import AnalyticsError
from analytics.filters import Filters
from analytics.private_files import write_private

ROLES = ("admin", "leader", "researcher", "viewer")
ACTIONS = (
    "view",  # open the pages
    "view_personal",  # names and IDs on screen
    "view_id_card",  # ID-card numbers on screen (admins only)
    "import",  # upload and load files
    "undo",  # undo an import batch
    "export_report",  # the meeting pack (HTML, Excel)
    "export_research",  # pseudonymised research zip
    "export_aggregate",  # suppressed aggregate zip
    "manage_users",  # add, remove, re-password users
    "view_audit",  # the audit log page
    "record_decision",  # record an action of the leadership group, change its status, undo that
    "submit_returns",  # say a school's returns for a year are complete (sign-off: submitted)
    "approve_returns",  # the bureau approves a school's submitted returns or returns them to the school
)
# Actions on a school's data that only a user above the school may take (a county's, a region's
# or every school's: the bureau), whatever the role allows.
BUREAU_ACTIONS = frozenset({"approve_returns"})
PERMISSIONS: dict[str, frozenset[str]] = {
    "admin": frozenset(ACTIONS),
    "leader": frozenset({"view", "view_personal", "export_report", "record_decision", "submit_returns",
                         "approve_returns"}),
    "researcher": frozenset({"view", "import", "export_research", "export_aggregate", "submit_returns"}),
    "viewer": frozenset({"view", "view_personal"}),
}
MODES = ("local", "users")
LOCAL_USER_NAME = "local"
MIN_PASSWORD = 10  # characters
FREE_FAILURES = 3  # failed sign-ins per user name before delays start
ADDRESS_FREE_FAILURES = 10  # failed sign-ins per client address before delays start
MAX_HASH_CHECKS = 2  # argon2 verifications running at once (64 MiB each)
CHECK_WAIT = 10.0  # seconds a sign-in waits for a free check before "busy, try again"
FAILURES_FILE = "sign_in_failures.json"  # the throttle's counters, beside the users file
MAX_DELAY = 300.0  # seconds
FORGET_AFTER = 3600.0  # seconds without a failure after which a counter starts again
MASK = "***"
FILE_VERSION = 1

_NAME = re.compile(r"^[\w.@+-]{1,64}$")
_hasher = PasswordHasher()
_file_lock = threading.Lock()


class AuthError(AnalyticsError):
    """Sign-in refused, an action the role does not allow, or a users file that is not valid."""

    code = "auth-error"


@dataclass(frozen=True)
class User:
    """A signed-in person: name, role and schools (``None`` = every school)."""

    name: str
    role: str
    schools: tuple[str, ...] | None = None
    source: str = "file"  # file | oidc | local
    counties: tuple[str, ...] = ()  # 区县 whose schools the user sees (resolved by ``resolve``)
    regions: tuple[str, ...] = ()  # regions (市/省) whose schools the user sees

    @property
    def level(self) -> str:
        """``"region"``, ``"county"`` or ``"school"``: the widest level the user is scoped to
        (``"all"`` for every school)."""
        if self.scope is None:
            return "all"
        return "region" if self.regions else "county" if self.counties else "school"

    @property
    def scope(self) -> tuple[str, ...] | None:
        """The schools whose rows this user may see (``None`` = all): admins see everything."""
        return None if self.role == "admin" else self.schools

    def can(self, action: str) -> bool:
        """Whether this user's role allows ``action`` (one of ``ACTIONS``)."""
        return can(self.role, action)


LOCAL_USER = User(LOCAL_USER_NAME, "admin", None, "local")


# -- Modes and start-up ----------------------------------------------------------------------


def mode(settings: Settings, db_path: str | os.PathLike[str] | None = None) -> str:
    """``"users"`` when the users file exists, else ``"local"`` (single-user, loopback only)."""
    path = users_file_path(settings, db_path)
    return "users" if path is not None and path.is_file() else "local"


def is_loopback(address: str | None) -> bool:
    """Whether the server address accepts connections from this machine only.

    An unset or empty address means every interface (Streamlit's default), so it is not.
    """
    if not address:
        return False
    host = address.strip().strip("[]")
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_bind(address: str | None, users_file_exists: bool) -> None:
    """Refuse to serve a non-loopback ``address`` in local mode (no users file): anyone on
    the network would be the administrator. Call once at start with ``server.address``."""
    if not users_file_exists and not is_loopback(address):
        raise AuthError("auth-bind-refused", address=address or "0.0.0.0")


# -- Roles ---------------------------------------------------------------------------------------


def check_role(role: str) -> None:
    """Refuse a role not in ``ROLES``."""
    if role not in ROLES:
        raise AuthError("auth-unknown-role", role=role, known=", ".join(ROLES))


def can(role: str, action: str) -> bool:
    """Whether ``role`` may do ``action``; an unknown action is a programming error."""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}; known: {', '.join(ACTIONS)}")
    return action in PERMISSIONS.get(role, frozenset())


def refusal(user: User, action: str, school: str | None = None) -> AuthError | None:
    """Why ``user`` may not do ``action`` (on ``school``'s data, when given), or None when they may:
    the role must allow it, the school must be in the user's scope, and a bureau action
    (``BUREAU_ACTIONS``) needs a user above one school (a county, a region or every school)."""
    if not can(user.role, action):
        return AuthError("auth-forbidden", user=user.name, role=user.role, action=action)
    if school is not None and user.scope is not None and school not in user.scope:
        return AuthError("auth-forbidden-school", user=user.name, school=school)
    if action in BUREAU_ACTIONS and user.level == "school":
        return AuthError("auth-forbidden-level", user=user.name, action=action)
    return None


def may(user: User, action: str, school: str | None = None) -> bool:
    """Whether ``user`` may do ``action`` (on ``school``'s data): ``refusal`` is None."""
    return refusal(user, action, school) is None


def require(user: User, action: str, school: str | None = None) -> None:
    """Raise ``refusal``'s ``AuthError`` unless ``user`` may do ``action`` (on ``school``'s data)
    (call it in ``analytics``-facing code paths before acting, not only to hide a button)."""
    error = refusal(user, action, school)
    if error is not None:
        raise error


def scoped(filters: Filters, user: User) -> Filters:
    """``filters`` limited to ``user``'s schools: the only way the scope gets set."""
    return replace(filters, scope=user.scope)


def resolve(con: duckdb.DuckDBPyConnection, user: User) -> User:
    """``user`` with the schools of their counties and regions added to ``schools`` (the one
    place an area scope becomes school IDs); a user without areas is returned as is."""
    if not (user.counties or user.regions) or user.schools is None:
        return user
    from analytics.hierarchy import area_schools

    return replace(user, schools=area_schools(con, user.counties, user.regions, user.schools))


PERSONAL_COLUMNS = frozenset(c.name for tb in schema.TABLES for c in tb.columns if c.personal) | {
    "mentor_name",
    "student_name",
}


SENSITIVE_COLUMNS = frozenset(c.name for tb in schema.TABLES for c in tb.columns if c.sensitive)
# An ID-card number anywhere in a cell: 18 characters (17 digits and a digit or X) or the old 15.
_ID_CARD = re.compile(r"(?<![0-9A-Za-z])(?:\d{17}[\dXx]|\d{15})(?![0-9A-Za-z])")


def mask(frame: pd.DataFrame, role: str, extra: Iterable[str] = ()) -> pd.DataFrame:
    """``frame`` with personal columns (``schema.Column.personal``, plus ``extra`` such as
    a label column holding mentor names) replaced by ``***`` for roles that may not see
    personal data on screen, and ID-card numbers (``schema.Column.sensitive``) for every
    role but admin; missing values stay missing. Other roles get ``frame`` itself."""
    hidden = set() if can(role, "view_personal") else PERSONAL_COLUMNS | set(extra)
    if not can(role, "view_id_card"):
        hidden |= SENSITIVE_COLUMNS
    columns = [c for c in frame.columns if c in hidden]
    if not columns:
        return frame
    return frame.assign(**{c: frame[c].astype("object").where(frame[c].isna(), MASK) for c in columns})


def _masked_id(match: re.Match[str]) -> str:
    text = match.group(0)
    return text[:6] + "*" * (len(text) - 10) + text[-4:]


def mask_id_cards(frame: pd.DataFrame, role: str) -> pd.DataFrame:
    """``frame`` (a raw sheet as uploaded, or rejected rows with their original cells as JSON)
    with every ID-card number in its text masked, first 6 and last 4 characters kept
    (``110101********003X``), for every role but admin."""
    if can(role, "view_id_card") or frame.empty:
        return frame
    out = {}
    for name in frame.columns:
        column = frame[name]
        if column.dtype != object and not pd.api.types.is_string_dtype(column):
            out[name] = column
            continue
        text = column.astype("string")
        found = text.str.contains(_ID_CARD.pattern, regex=True).fillna(False).to_numpy(dtype=bool)
        out[name] = column.mask(found, text.str.replace(_ID_CARD, _masked_id, regex=True)) if found.any() else column
    return pd.DataFrame(out, index=frame.index)


# -- Password hashes --------------------------------------------------------------------------------


def hash_password(password: str) -> str:
    """An argon2id hash of ``password`` (salted; the text stored in the users file)."""
    check_password_strength(password)
    return _hasher.hash(password)


def check_password_strength(password: str) -> None:
    """Refuse passwords shorter than ``MIN_PASSWORD`` characters, not counting spaces around them."""
    if len(password.strip()) < MIN_PASSWORD:
        raise AuthError("auth-password-short", n=MIN_PASSWORD)


def verify_password(stored_hash: str, password: str) -> bool:
    """Whether ``password`` matches ``stored_hash``; a malformed hash never matches."""
    try:
        return _hasher.verify(stored_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    """Whether ``stored_hash`` was made with other parameters than the current ones."""
    try:
        return _hasher.check_needs_rehash(stored_hash)
    except InvalidHashError:
        return True


@functools.cache
def _dummy_hash() -> str:
    """A hash of a random password, verified when the name is unknown so that a wrong name
    takes as long as a wrong password. Made on the first sign-in, not at import: hashing costs
    ≈0.7 s, which every ``python -m analytics`` command paid before."""
    return _hasher.hash(os.urandom(16).hex())


# -- Users file ----------------------------------------------------------------------------------------


def check_name(name: str) -> None:
    """Refuse a user name that is empty, too long or has characters other than letters, digits, . _ @ + -."""
    if not _NAME.match(name or ""):
        raise AuthError("auth-bad-name", name=name)


def _normal_schools(role: str, schools: Iterable[str] | None, areas: bool = False) -> list[str] | None:
    """Stripped, distinct IDs; a user other than admin needs one, unless ``areas`` (counties
    or regions) give them schools."""
    if schools is None:
        return None
    out = _distinct(schools)
    if not out and role != "admin" and not areas:
        raise AuthError("auth-no-school", role=role)
    return out


def _distinct(values: Iterable[str]) -> list[str]:
    out: list[str] = []
    for s in values:
        s = str(s).strip()
        if not s:
            raise AuthError("auth-bad-school", school=s)
        if s not in out:
            out.append(s)
    return out


def _read_json(path: Path) -> Any:
    """The JSON document in ``path`` (the users file, the throttle's counters), ``None`` when
    there is no file; ``auth-users-unreadable`` / ``auth-users-invalid`` otherwise."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as e:
        raise AuthError("auth-users-unreadable", path=str(path), detail=str(e)) from e
    try:
        return json.loads(text)
    except ValueError as e:
        raise AuthError("auth-users-invalid", path=str(path), detail=str(e)) from e


def load_users(path: str | os.PathLike[str]) -> dict[str, dict[str, Any]]:
    """The users file as ``{name: {"role", "schools", "hash", "changed"}}``; a missing file is empty."""
    path = Path(path)
    data = _read_json(path)
    if data is None:
        return {}
    try:
        users = data["users"]
        if data.get("version") != FILE_VERSION or not isinstance(users, dict):
            raise ValueError("unknown layout")
        for name, rec in users.items():
            check_name(name)
            check_role(rec["role"])
            if not isinstance(rec["hash"], str) or not rec["hash"].startswith("$argon2"):
                raise ValueError(f"{name}: not an argon2 hash")
            schools = rec.get("schools")
            if schools is not None and not (isinstance(schools, list) and all(isinstance(s, str) for s in schools)):
                raise ValueError(f"{name}: schools must be a list of IDs or null")
            for level in ("counties", "regions"):
                areas = rec.get(level, [])
                if not (isinstance(areas, list) and all(isinstance(s, str) for s in areas)):
                    raise ValueError(f"{name}: {level} must be a list of names")
    except (ValueError, KeyError, TypeError, AuthError) as e:
        raise AuthError("auth-users-invalid", path=str(path), detail=str(e)) from e
    return users


def _write_users(path: Path, users: Mapping[str, Mapping[str, Any]]) -> None:
    """Replace the users file atomically (temporary file, fsync, rename), mode 0600."""
    text = json.dumps({"version": FILE_VERSION, "users": users}, ensure_ascii=False, indent=2, sort_keys=True)
    try:
        write_private(path, text + "\n")
    except OSError as e:
        raise AuthError("auth-users-unwritable", path=str(path), detail=str(e)) from e


def _user(name: str, rec: Mapping[str, Any]) -> User:
    counties, regions = tuple(rec.get("counties") or ()), tuple(rec.get("regions") or ())
    schools = rec.get("schools")
    if schools is None and (counties or regions):
        schools = []  # fail closed: an area user sees no school until ``resolve``
    return User(name, rec["role"], None if schools is None else tuple(schools), "file", counties, regions)


def list_users(path: str | os.PathLike[str]) -> list[User]:
    """Every user of the file, by name."""
    return [_user(n, r) for n, r in sorted(load_users(path).items())]


def add_user(
    path: str | os.PathLike[str], name: str, role: str, schools: Iterable[str] | None, password: str,
    *, now: dt.datetime | None = None, counties: Iterable[str] = (), regions: Iterable[str] = (),
) -> User:
    """Add ``name`` with ``role``, ``schools`` (``None`` = all schools), the ``counties`` and
    ``regions`` whose schools they see as well, and ``password`` (hashed)."""
    check_name(name)
    check_role(role)
    county_list, region_list = _distinct(counties), _distinct(regions)
    areas = bool(county_list or region_list)
    if areas and schools is None:
        schools = []
    school_list = _normal_schools(role, schools, areas)
    digest = hash_password(password)
    with _file_lock:
        users = load_users(path)
        if name in users:
            raise AuthError("auth-user-exists", name=name)
        users[name] = {"role": role, "schools": school_list, "hash": digest,
                       "changed": (now or dt.datetime.now()).replace(microsecond=0).isoformat()}
        if areas:
            users[name].update(counties=county_list, regions=region_list)
        _write_users(Path(path), users)
    return _user(name, users[name])


def remove_user(path: str | os.PathLike[str], name: str) -> None:
    """Remove ``name`` from the users file."""
    with _file_lock:
        users = load_users(path)
        if name not in users:
            raise AuthError("auth-unknown-user", name=name)
        del users[name]
        _write_users(Path(path), users)


def set_password(
    path: str | os.PathLike[str], name: str, password: str, *, now: dt.datetime | None = None
) -> None:
    """Give ``name`` a new password (hashed)."""
    digest = hash_password(password)
    _replace_hash(path, name, digest, now)


def _replace_hash(path: str | os.PathLike[str], name: str, digest: str, now: dt.datetime | None) -> None:
    with _file_lock:
        users = load_users(path)
        if name not in users:
            raise AuthError("auth-unknown-user", name=name)
        users[name] = {**users[name], "hash": digest,
                       "changed": (now or dt.datetime.now()).replace(microsecond=0).isoformat()}
        _write_users(Path(path), users)


# -- Brute-force throttle ------------------------------------------------------------------------------


def client_address(peer: str | None, forwarded_for: str | None, trusted: Iterable[str]) -> str | None:
    """The real client's address: ``peer`` (the TCP peer), or, when ``peer`` is one of the
    ``trusted`` proxies (addresses or networks, ``Settings.trusted_proxies``), the rightmost
    address of the ``X-Forwarded-For`` header that is not itself a trusted proxy.

    A header from any other peer is ignored (anyone can send one). A peer of ``None`` is a
    loopback connection (Streamlit reports 127.0.0.1 and ::1 as ``None``). A malformed hop
    stops the walk at the last trusted one: garbage in the header never becomes a key.
    """
    networks = [ipaddress.ip_network(n, strict=False) for n in trusted]

    def is_trusted(address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in n for n in networks)

    hop = peer if peer is not None else "127.0.0.1"
    if not forwarded_for or not is_trusted(hop):
        return peer
    for entry in reversed([e.strip() for e in forwarded_for.split(",")]):
        try:
            ipaddress.ip_address(entry)
        except ValueError:
            return hop
        hop = entry
        if not is_trusted(entry):
            return entry
    return hop


@dataclass(frozen=True)
class Attempt:
    """A sign-in attempt let through by ``LoginThrottle.attempt``: counted as a failure until
    ``LoginThrottle.success`` or ``cancel`` says otherwise (``before``: the counters it replaced)."""

    user: str
    address: str | None
    before: tuple[tuple[tuple[str, str], tuple[int, float] | None], ...]


class LoginThrottle:
    """Failed sign-ins per user name and per client address, with a growing wait.

    Each user name has ``free`` failures before the waits of 1, 2, 4 ... s start (at most
    ``max_delay``); each address ``address_free`` (many people may share one, behind a school's
    NAT or a proxy that does not forward their addresses), so one locked name never locks the
    others. ``attempt`` checks and counts in one step under one lock: of 20 simultaneous guesses
    with one allowed, exactly one reaches the password check. At most ``max_checks`` argon2
    verifications (64 MiB each) run at once (``checking``). With ``path`` the counters are kept
    in that file (mode 0600, rewritten whole at every change) and read back at start, so a restart
    does not forgive; the file holds hashes of the names and addresses, not the names.

    ``clock`` returns seconds since the epoch (``time.time``; tests inject their own): the
    counters outlive the process, so a monotonic clock would not do.
    """

    def __init__(self, clock: Callable[[], float] = time.time, free: int = FREE_FAILURES,
                 max_delay: float = MAX_DELAY, forget_after: float = FORGET_AFTER, *,
                 address_free: int = ADDRESS_FREE_FAILURES, max_checks: int = MAX_HASH_CHECKS,
                 path: str | os.PathLike[str] | None = None, check_wait: float = CHECK_WAIT) -> None:
        self.clock = clock
        self.free = free
        self.address_free = address_free
        self.max_delay = max_delay
        self.forget_after = forget_after
        self.path = None if path is None else Path(path)
        self.check_wait = check_wait
        self._failures: dict[tuple[str, str], tuple[int, float]] = {}  # key -> (count, last failure)
        self._lock = threading.Lock()
        self._checks = threading.BoundedSemaphore(max_checks)
        if self.path is not None:
            self._failures = _read_failures(self.path)

    def delay(self, failures: int, free: int | None = None) -> float:
        """Seconds to wait after ``failures`` consecutive failures: 0 for the ``free`` ones
        (default: a user name's), then 1, 2, 4 ..."""
        free = self.free if free is None else free
        if failures < free:
            return 0.0
        return min(self.max_delay, 2.0 ** (failures - free))

    def _keys(self, user: str, address: str | None) -> list[tuple[str, str]]:
        return [("user", _digest("user", user.casefold())), ("address", _digest("address", address or "?"))]

    def _entry(self, key: tuple[str, str], now: float) -> tuple[int, float]:
        count, last = self._failures.get(key, (0, now))
        if count and now - last > self.forget_after:
            self._failures.pop(key, None)
            return 0, now
        return count, last

    def _wait(self, user: str, address: str | None, now: float) -> float:
        waits = [0.0]
        for key in self._keys(user, address):
            count, last = self._entry(key, now)
            if count:
                free = self.free if key[0] == "user" else self.address_free
                waits.append(max(0.0, last + self.delay(count, free) - now))
        return max(waits)

    def wait(self, user: str, address: str | None) -> float:
        """Seconds before ``user`` may try again from ``address`` (0 when allowed now)."""
        with self._lock:
            return self._wait(user, address, self.clock())

    def attempt(self, user: str, address: str | None) -> Attempt:
        """Check and count in one step: ``AuthError("auth-throttled")`` while a wait is due,
        else the attempt, already counted as a failure for the name and the address."""
        with self._lock:
            now = self.clock()
            waiting = self._wait(user, address, now)
            if waiting > 0:
                raise AuthError("auth-throttled", seconds=int(waiting + 0.999))
            keys = self._keys(user, address)
            before = tuple((k, self._failures.get(k)) for k in keys)
            for key in keys:
                count, _ = self._entry(key, now)
                self._failures[key] = (count + 1, now)
            self._save()
        return Attempt(user, address, before)

    def failure(self, user: str, address: str | None) -> None:
        """Count a failed sign-in for both the name and the address."""
        with self._lock:
            now = self.clock()
            for key in self._keys(user, address):
                count, _ = self._entry(key, now)
                self._failures[key] = (count + 1, now)
            self._save()

    def _undo(self, attempt: Attempt, clear_user: bool) -> None:
        for key, previous in attempt.before:
            if key[0] == "user" and clear_user:
                self._failures.pop(key, None)
                continue
            current = self._failures.get(key)
            if current is None:
                continue
            if previous is None and current[0] <= 1:
                self._failures.pop(key, None)
            elif previous is not None and current[0] == previous[0] + 1:
                self._failures[key] = previous  # nothing failed since: as it was
            else:
                self._failures[key] = (max(0, current[0] - 1), current[1])

    def success(self, attempt: Attempt | str) -> None:
        """A correct password: the attempt's count is taken back from the address, and the
        name's counter is cleared (not the address's: an attacker with one valid account must
        not reset the count of their guesses at others). A bare name clears that name only."""
        with self._lock:
            if isinstance(attempt, str):
                self._failures.pop(self._keys(attempt, None)[0], None)
            else:
                self._undo(attempt, clear_user=True)
            self._save()

    def cancel(self, attempt: Attempt) -> None:
        """Take back an attempt that never reached the password check (the server was busy)."""
        with self._lock:
            self._undo(attempt, clear_user=False)
            self._save()

    def checking(self) -> "_Checking":
        """A context for one password check: waits up to ``check_wait`` s for one of the
        ``max_checks`` places, else ``AuthError("auth-busy")``."""
        return _Checking(self._checks, self.check_wait)

    def _save(self) -> None:
        if self.path is None:
            return
        rows = [[kind, key, count, last] for (kind, key), (count, last) in sorted(self._failures.items())]
        try:
            write_private(self.path, json.dumps({"version": FILE_VERSION, "failures": rows}) + "\n")
        except OSError as e:
            raise AuthError("auth-users-unwritable", path=str(self.path), detail=str(e)) from e


class _Checking:
    def __init__(self, semaphore: threading.BoundedSemaphore, timeout: float) -> None:
        self.semaphore, self.timeout = semaphore, timeout

    def __enter__(self) -> None:
        if not self.semaphore.acquire(timeout=self.timeout):
            raise AuthError("auth-busy")

    def __exit__(self, *exc: object) -> None:
        self.semaphore.release()


def _digest(kind: str, value: str) -> str:
    return hashlib.sha256(f"{kind}:{value}".encode()).hexdigest()[:32]


def _read_failures(path: Path) -> dict[tuple[str, str], tuple[int, float]]:
    """The counters kept in ``path``; a missing file is none. A file that is not ours is
    refused (``auth-users-invalid``) rather than forgiven."""
    data = _read_json(path)
    if data is None:
        return {}
    try:
        if data.get("version") != FILE_VERSION:
            raise ValueError("unknown layout")
        return {(str(kind), str(key)): (int(count), float(last)) for kind, key, count, last in data["failures"]}
    except (ValueError, KeyError, TypeError, AttributeError) as e:
        raise AuthError("auth-users-invalid", path=str(path), detail=str(e)) from e


_THROTTLES: dict[Path, LoginThrottle] = {}
_throttles_lock = threading.Lock()


def throttle_for(users_path: str | os.PathLike[str]) -> LoginThrottle:
    """The process's throttle of the users file ``users_path``: its counters are kept in
    ``FAILURES_FILE`` beside it (one throttle per file, made at the first sign-in)."""
    key = Path(users_path).resolve()
    with _throttles_lock:
        if key not in _THROTTLES:
            _THROTTLES[key] = LoginThrottle(path=key.parent / FAILURES_FILE)
        return _THROTTLES[key]


# -- Sign-in and sessions -------------------------------------------------------------------------------


def authenticate(
    path: str | os.PathLike[str], name: str, password: str, address: str | None,
    throttle: LoginThrottle | None = None,
) -> User:
    """The user ``name`` if ``password`` is right; ``AuthError`` ``auth-throttled`` (with
    ``seconds``) while the throttle says wait, ``auth-busy`` when too many checks run at once,
    ``auth-login-failed`` otherwise (the same for an unknown name). Replaces a hash made with
    outdated parameters. ``throttle`` defaults to the users file's (``throttle_for``)."""
    throttle = throttle_for(path) if throttle is None else throttle
    attempt = throttle.attempt(name, address)  # counted as a failure until it succeeds
    try:
        users = load_users(path)
        rec = users.get(name)
        with throttle.checking():
            ok = verify_password(rec["hash"] if rec else _dummy_hash(), password) and rec is not None
    except AuthError as e:
        if e.code == "auth-busy":
            throttle.cancel(attempt)
        raise
    if not ok:
        raise AuthError("auth-login-failed")
    throttle.success(attempt)
    if needs_rehash(rec["hash"]):
        _replace_hash(path, name, _hasher.hash(password), None)
    return _user(name, rec)


def sign_in(
    con: duckdb.DuckDBPyConnection, settings: Settings, name: str, password: str, address: str | None,
    *, db_path: str | os.PathLike[str] | None = None, throttle: LoginThrottle | None = None,
) -> User:
    """``authenticate`` against the configured users file and write the attempt to the audit log."""
    path = users_file_path(settings, db_path)
    if path is None or not path.is_file():
        raise AuthError("auth-no-users-file")
    name = name.strip()
    try:
        user = authenticate(path, name, password, address, throttle)
    except AuthError as e:
        if e.code in ("auth-throttled", "auth-login-failed", "auth-busy"):
            reason = {"auth-throttled": "throttled", "auth-busy": "busy"}.get(e.code, "bad-credentials")
            audit.record_login(con, name or "?", False, address=address, reason=reason)
        raise
    audit.record_login(con, user.name, True, address=address)
    return user


BROWSER_COOKIE = "_streamlit_xsrf"  # Streamlit's XSRF cookie: the binding without the guard (``browser_key``)
GUARD_COOKIE = "dm_browser"  # the HttpOnly cookie ``ui.guard`` gives every browser (``streamlit run app.py``)


def browser_key(cookie: str | None) -> str | None:
    """A digest of the browser's secret token in Streamlit's XSRF cookie (``None`` without one).

    Streamlit sets the cookie on the page load (16 random bytes, re-masked at every response:
    ``2|mask|masked token|time``), the browser sends it on the websocket handshake, and it is
    never in a URL. Unmasking gives the same key for every response to the same browser, and a
    different one for another browser, even one that presents this session's id.
    """
    if not cookie:
        return None
    parts = cookie.split("|")
    token = cookie.encode()
    if len(parts) == 4 and parts[0] == "2":
        try:
            mask, masked = bytes.fromhex(parts[1]), bytes.fromhex(parts[2])
            if mask:
                token = bytes(b ^ mask[i % len(mask)] for i, b in enumerate(masked))
        except ValueError:
            pass
    return hashlib.sha256(b"browser:" + token).hexdigest()


def browser_key_of(cookies: Mapping[str, str]) -> str | None:
    """The key of the browser that sent ``cookies`` (a websocket handshake's, a download request's):
    from the HttpOnly ``GUARD_COOKIE`` when it is there (script in the page cannot read it), else
    from the XSRF cookie (``browser_key``); the two never give the same key, so a stolen XSRF cookie
    does not stand in for the HttpOnly one. None without either."""
    guard = cookies.get(GUARD_COOKIE)
    if isinstance(guard, str) and guard:
        return hashlib.sha256(b"guard:" + guard.encode()).hexdigest()
    xsrf = cookies.get(BROWSER_COOKIE)
    return browser_key(xsrf if isinstance(xsrf, str) else None)


@dataclass(frozen=True)
class Session:
    """A signed-in session: the user, when they last did something (``time.time()`` seconds)
    and the browser it was signed in from (``browser_key``)."""

    user: User
    last_seen: float
    browser: str | None = None


def start_session(user: User, now: float | None = None, browser: str | None = None) -> Session:
    """A new session for ``user`` (after ``sign_in`` or an accepted OIDC identity), bound to
    ``browser`` (``browser_key`` of the request that signed in)."""
    return Session(user, time.time() if now is None else now, browser)


def same_browser(session: Session | None, browser: str | None) -> bool:
    """Whether the run comes from the browser that signed ``session`` in: a websocket that
    presents the session's id (seen in an upload URL, a proxy log) from another browser does
    not carry its cookie, and gets no signed-in state. ``True`` when there is no session."""
    return session is None or hmac.compare_digest(session.browser or "", browser or "")


def check_session(session: Session | None, settings: Settings, now: float | None = None) -> Session | None:
    """The session with ``last_seen`` moved to ``now``, or ``None`` when there is none or it
    has been idle longer than ``settings.session_timeout_minutes`` (the user signs in again)."""
    if session is None:
        return None
    now = time.time() if now is None else now
    if now - session.last_seen > settings.session_timeout_minutes * 60:
        return None
    return replace(session, last_seen=now)


def expired(session: Session | None, settings: Settings, now: float | None = None) -> bool:
    """Whether ``session`` exists but has timed out (to say so and write ``session_expired``)."""
    return session is not None and check_session(session, settings, now) is None


# -- OIDC (st.login) -----------------------------------------------------------------------------------


def oidc_user(claims: Mapping[str, Any], access: Mapping[str, Any]) -> User:
    """The user an OIDC identity maps to, from the ``[access]`` table of ``secrets.toml``.

    ``access`` keys: ``name_claim`` (default ``email``), ``groups_claim`` (default
    ``groups``), ``users`` (identity name → ``{role, schools}``) and ``groups`` (group →
    ``{role, schools}``). A named user wins over groups; among groups the first listed
    that the identity belongs to wins. An identity with ``email_verified`` false, or
    matching nothing, is refused (``auth-oidc-not-allowed``): signing in with the
    provider alone grants nothing. ``schools`` omitted means all schools.
    """
    name_claim = str(access.get("name_claim", "email"))
    groups_claim = str(access.get("groups_claim", "groups"))
    name = claims.get(name_claim)
    if not isinstance(name, str) or not name.strip():
        raise AuthError("auth-oidc-not-allowed", name="?")
    name = name.strip()
    if name_claim == "email" and claims.get("email_verified") is False:
        raise AuthError("auth-oidc-not-allowed", name=name)
    entry: Mapping[str, Any] | None = None
    users = access.get("users", {})
    by_name = {str(k).casefold(): v for k, v in users.items()} if isinstance(users, Mapping) else {}
    entry = by_name.get(name.casefold())
    if entry is None:
        member = claims.get(groups_claim) or []
        member = {member} if isinstance(member, str) else {str(g) for g in member}
        groups = access.get("groups", {})
        for group, spec in (groups.items() if isinstance(groups, Mapping) else ()):
            if str(group) in member:
                entry = spec
                break
    if entry is None:
        raise AuthError("auth-oidc-not-allowed", name=name)
    role = str(entry.get("role", ""))
    check_role(role)
    areas = {level: tuple(_distinct([v] if isinstance(v, str) else v or ()))
             for level in ("counties", "regions") for v in [entry.get(level)]}
    schools = entry.get("schools")
    if schools is None and any(areas.values()):
        schools = []
    school_list = _normal_schools(role, [schools] if isinstance(schools, str) else schools, any(areas.values()))
    return User(name, role, None if school_list is None else tuple(school_list), "oidc", **areas)

"""Connection parameters: the DSN ``timeplus://[user[:password]@]host[:port][/workspace][?params]``
merged with keyword arguments (keywords win).

``http://`` and ``https://`` URLs are accepted as well (``https`` implies ``secure``). An empty
user with a password is an API key, as in the original SDK's URLs. The default port is 443 with
``secure`` and 8000 without; ``secure`` defaults to true only for port 443.

``timeout`` (seconds, default 30) is a deadline: each non-streaming request must be answered in
full within it (bytes dripping in do not extend it; a retried request gets it afresh for each
attempt), and a query's header event must arrive within it. After the header, query streams
wait for rows without a limit unless ``idle_timeout`` is set: a streaming result then ends (and
its query is cancelled) after that many seconds without rows (SSE comments and metrics events
are not rows). ``verify`` is true by
default; a string is a CA bundle path; false disables verification (with a warning).
``ingest_max_bytes`` caps one ingest request body (default 4 MiB).

Reserved characters in the user or password must be percent-encoded; a DSN where an unencoded
``/``, ``?``, ``#``, ``[``, ``]`` or ``@`` would cut the secret apart is refused with
InterfaceError, without repeating any of it.

The workspace is one URL path segment: it is sent percent-encoded, and a workspace containing
``/``, ``?`` or ``#`` (after percent-decoding the DSN) is refused with InterfaceError.

``database`` (default ``default``) is where unqualified stream and view names resolve: any other
database is sent as ``?db=`` on queries, ``/exec``, ``/sqlanalyze``, ingest and the stream,
view and materialized view endpoints (:mod:`.protocol.http`). An empty database is refused.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any, Optional, Union
from urllib.parse import SplitResult, parse_qsl, unquote, urlsplit

from .errors import InterfaceError
from .protocol.http import path_segment

__all__ = [
    "ConnectionParams",
    "parse_batching_policy",
    "parse_dsn",
    "parse_seconds",
    "resolve_params",
]

_SCHEMES = {
    "timeplus": None,
    "timeplus+http": False,
    "timeplus+https": True,
    "http": False,
    "https": True,
}
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}
_QUERY_MODES = ("streaming", "table")
_NOT_IN_WORKSPACE = ("/", "?", "#")


@dataclass(frozen=True)
class ConnectionParams:
    """Resolved settings of one connection. Secrets are excluded from ``repr``."""

    host: str = "localhost"
    port: int = 8000
    workspace: str = "default"
    api_key: Optional[str] = field(default=None, repr=False)
    user: Optional[str] = None
    password: Optional[str] = field(default=None, repr=False)
    secure: bool = False
    verify: Union[bool, str] = True
    timeout: Optional[float] = 30.0
    query_mode: str = "streaming"
    batching_policy: Optional[dict[str, int]] = None
    idle_timeout: Optional[float] = None
    ingest_max_bytes: int = 4 * 1024 * 1024
    database: str = "default"

    @property
    def base_url(self) -> str:
        scheme = "https" if self.secure else "http"
        host = f"[{self.host}]" if ":" in self.host else self.host
        workspace = f"/{path_segment(self.workspace)}" if self.workspace else ""
        return f"{scheme}://{host}:{self.port}{workspace}/api"


def _parse_bool(name: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise InterfaceError(f"{name} must be true or false, not {value!r}")


def _parse_verify(value: Any) -> Union[bool, str]:
    if isinstance(value, bool):
        return value
    text = str(value).strip()
    if text.lower() in _TRUE:
        return True
    if text.lower() in _FALSE:
        return False
    return text  # a CA bundle path


def parse_seconds(name: str, value: Any) -> Optional[float]:
    if value is None or (isinstance(value, str) and value.strip().lower() in ("", "none")):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InterfaceError(f"{name} must be a number of seconds, not {value!r}") from None
    if number <= 0:
        raise InterfaceError(f"{name} must be positive, not {value!r}")
    return number


def _parse_int(name: str, value: Any, low: int, high: Optional[int] = None) -> int:
    """An integer option in ``low..high`` (from a DSN string or a keyword)."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise InterfaceError(f"{name} must be an integer, not {value!r}") from None
    if number < low or (high is not None and number > high):
        limits = f"{low}..{high}" if high is not None else f"at least {low}"
        raise InterfaceError(f"{name} must be {limits}, not {number}")
    return number


def _batching_pairs(text: str) -> dict[str, str]:
    """``"count=100,time_ms=50"`` (the DSN form) as a dict."""
    pairs: dict[str, str] = {}
    for part in (p for p in text.split(",") if p.strip()):
        key, equals, number = part.partition("=")
        if not equals:
            raise InterfaceError(f"batching_policy must be written count=N,time_ms=N, not {text!r}")
        pairs[key.strip()] = number
    return pairs


def parse_batching_policy(value: Any) -> Optional[dict[str, int]]:
    """A validated ``batching_policy``: a mapping (or DSN text) of ``count``/``time_ms``."""
    if value is None:
        return None
    if isinstance(value, str):
        value = _batching_pairs(value)
    if not isinstance(value, Mapping):
        raise InterfaceError("batching_policy must be a mapping with count and/or time_ms")
    unknown = set(value) - {"count", "time_ms"}
    if unknown:
        raise InterfaceError(f"unknown batching_policy keys: {sorted(unknown)}")
    try:
        return {key: int(v) for key, v in value.items()}
    except (TypeError, ValueError):
        raise InterfaceError("batching_policy values must be integers") from None


_UNENCODED = (
    "the DSN's user or password seems to hold '/', '?', '#', '[', ']' or '@' as they are; "
    "percent-encode them (urllib.parse.quote(password, safe=''))"
)


def _split_dsn(dsn: str) -> SplitResult:
    """``urlsplit(dsn)``, refusing a DSN whose secret the split would cut apart.

    An unencoded ``/``, ``?`` or ``#`` in the password ends the authority early: the rest of
    the secret would be read as the workspace, the query or a fragment (and sent in a URL or
    shown in an error), and the host after it ignored. Errors never repeat the DSN.
    """
    try:
        parts = urlsplit(dsn)
    except ValueError:  # an unbalanced '[' or ']'
        raise InterfaceError(_UNENCODED) from None
    keys = [key for key, _ in parse_qsl(parts.query, keep_blank_values=True)]
    after_host = "@" in parts.path or any("@" in key for key in keys)
    if parts.fragment or ("@" not in parts.netloc and after_host):
        raise InterfaceError(_UNENCODED)
    return parts


def parse_dsn(dsn: str) -> dict[str, Any]:
    """Split a DSN into raw keyword values (strings), without defaults."""
    parts = _split_dsn(dsn)
    scheme = parts.scheme.lower()
    if scheme not in _SCHEMES:
        raise InterfaceError(f"unsupported DSN scheme {parts.scheme!r}; use timeplus://")
    raw: dict[str, Any] = {}
    if _SCHEMES[scheme] is not None:
        raw["secure"] = _SCHEMES[scheme]
    try:
        port = parts.port
    except ValueError:
        raise InterfaceError("the DSN has an invalid port") from None
    if parts.hostname:
        raw["host"] = parts.hostname
    if port is not None:
        raw["port"] = port
    if parts.username:
        raw["user"] = unquote(parts.username)
    if parts.password is not None:
        secret = unquote(parts.password)
        raw["password" if parts.username else "api_key"] = secret
    path = parts.path.strip("/")
    if path:
        raw["workspace"] = unquote(path)
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        raw[key] = value
    return raw


def _parse_workspace(value: Any) -> str:
    """The workspace: one URL path segment (sent percent-encoded). A ``/``, ``?`` or ``#`` in
    it (after the DSN's percent-decoding) is refused: in a URL it would point the requests of
    this connection at other paths of the server."""
    workspace = str(value)
    found = [c for c in _NOT_IN_WORKSPACE if c in workspace]
    if found:
        raise InterfaceError(
            f"workspace {workspace!r} contains {' and '.join(repr(c) for c in found)}; "
            "a workspace name is a single URL path segment"
        )
    return workspace


def _parse_database(value: Any) -> str:
    """The current database: any non-empty name (sent percent-encoded as ``?db=``)."""
    database = str(value)
    if not database:
        raise InterfaceError("database must not be empty; leave it out for 'default'")
    return database


def resolve_params(dsn: Optional[str], kwargs: Mapping[str, Any]) -> ConnectionParams:
    """Merge DSN values and keyword arguments into validated ConnectionParams."""
    raw = parse_dsn(dsn) if dsn else {}
    raw.update({k: v for k, v in kwargs.items() if v is not None or k in ("timeout",)})
    known = {f.name for f in fields(ConnectionParams)}
    unknown = set(raw) - known
    if unknown:
        raise InterfaceError(f"unknown connection parameters: {sorted(unknown)}")
    if "user" in raw and not raw["user"] and raw.get("password") and not raw.get("api_key"):
        raw["api_key"] = raw.pop("password")
    port = _parse_int("port", raw["port"], 1, 65535) if raw.get("port") is not None else None
    secure = _parse_bool("secure", raw["secure"]) if "secure" in raw else port == 443
    query_mode = str(raw.get("query_mode", "streaming")).lower()
    if query_mode not in _QUERY_MODES:
        raise InterfaceError(f"query_mode must be 'streaming' or 'table', not {query_mode!r}")
    return ConnectionParams(
        host=str(raw.get("host", "localhost")),
        port=port if port is not None else (443 if secure else 8000),
        workspace=_parse_workspace(raw.get("workspace", "default")),
        api_key=raw.get("api_key") or None,
        user=raw.get("user") or None,
        password=raw.get("password"),
        secure=secure,
        verify=_parse_verify(raw.get("verify", True)),
        timeout=parse_seconds("timeout", raw.get("timeout", 30.0)),
        query_mode=query_mode,
        batching_policy=parse_batching_policy(raw.get("batching_policy")),
        idle_timeout=parse_seconds("idle_timeout", raw.get("idle_timeout")),
        ingest_max_bytes=_parse_int("ingest_max_bytes", raw.get("ingest_max_bytes", 4 << 20), 1),
        database=_parse_database(raw.get("database", "default")),
    )

"""The emulator's HTTP server: routing, auth, fault injection, lifecycle.

Owns: :class:`EmulatorServer` (a stdlib ``ThreadingHTTPServer`` speaking HTTP/1.1 with
keep-alive and chunked SSE, one daemon thread per connection, started on a background
thread), the route table for ``/{workspace}/api/...`` (the workspace segment may be
omitted: ``/api/...``; it is compared percent-decoded, and another workspace is a 404
"workspace 'x' not found"), the auth check and the ``/_emulator/faults`` control endpoint.

``stop()`` cancels running queries, closes open client sockets, stops materialized
views, shuts the listener down and drops the instance's chDB databases (unless it
persists to ``data_dir``).
"""

from __future__ import annotations

import ipaddress
import itertools
import logging
import re
import secrets
import socket
import struct
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable, Iterable, Optional
from urllib.parse import quote, unquote

from timeplus_emulator.api import Api
from timeplus_emulator.backend import EngineError, PoolBusy, acquire_backend, release_backend
from timeplus_emulator.engine import Engine
from timeplus_emulator.faults import Faults
from timeplus_emulator.httpio import AUTHENTICATION_FAILED, Credentials, HttpError, Request
from timeplus_emulator.matviews import MaterializedViewsApi
from timeplus_emulator.queries import QueryRegistry
from timeplus_emulator.statements import Executor

logger = logging.getLogger(__name__)

DEFAULT_MAX_BODY = 256 * 1024 * 1024
DEFAULT_MAX_REQUESTS = 128
DEFAULT_SOCKET_TIMEOUT = 120.0
RETRY_AFTER_S = 1
ORIGIN_REFUSED = 403
SERVER_BUSY = 202
_instance_ids = itertools.count(1)
_PREFIX_RE = re.compile(r"^/(?:(?P<ws>[^/]+)/)?api/(?P<rest>.*)$")

Route = tuple[str, "re.Pattern[str]", Callable[..., None], frozenset[str], str]


def _routes(api: Api) -> list[Route]:
    """``(method, path pattern, handler, profiles, endpoint name)`` of every API route."""
    both = frozenset({"cloud", "enterprise"})
    cloud, ent = frozenset({"cloud"}), frozenset({"enterprise"})
    mvs = MaterializedViewsApi(api)
    mv_path = r"v1beta2/materialized_views/([^/]+)"
    table: list[tuple[str, str, Callable[..., None], frozenset[str], str]] = [
        ("GET", r"info", api.info, both, "info"),
        ("GET", r"v1beta2/info", api.info, both, "info"),
        ("POST", r"v1beta2/queries", api.post_query, both, "queries"),
        ("GET", r"v1beta2/queries", api.list_queries, both, "list_queries"),
        ("GET", r"v1beta2/queries/([^/]+)", api.get_query, both, "get_query"),
        ("DELETE", r"v1beta2/queries/([^/]+)", api.delete_query, both, "delete_query"),
        ("POST", r"v1beta2/queries/([^/]+)/cancel", api.cancel_query, both, "cancel_query"),
        ("POST", r"v1beta2/sqlanalyze", api.sqlanalyze, both, "sqlanalyze"),
        ("POST", r"v1beta2/format", api.format_sql, both, "format"),
        ("POST", r"v1beta2/exec", api.exec_sql, ent, "exec"),
        ("GET", r"v1beta2/streams", api.list_streams, both, "list_streams"),
        ("POST", r"v1beta2/streams", api.create_stream, cloud, "create_stream"),
        ("GET", r"v1beta2/streams/([^/]+)", api.get_stream, both, "get_stream"),
        ("DELETE", r"v1beta2/streams/([^/]+)", api.delete_stream, both, "delete_stream"),
        ("PATCH", r"v1beta2/streams/([^/]+)", api.patch_stream, both, "patch_stream"),
        ("GET", r"v1beta2/streams/([^/]+)/stats", api.stream_stats, both, "stream_stats"),
        ("POST", r"v1beta2/streams/([^/]+)/ingest", api.ingest, both, "ingest"),
        ("GET", r"v1beta2/views", api.list_views, both, "list_views"),
        ("POST", r"v1beta2/views", api.create_view, cloud, "create_view"),
        ("GET", r"v1beta2/views/([^/]+)", api.get_view, both, "get_view"),
        ("DELETE", r"v1beta2/views/([^/]+)", api.delete_view, both, "delete_view"),
        ("PATCH", r"v1beta2/views/([^/]+)", api.patch_view, both, "patch_view"),
        ("GET", r"v1beta2/materialized_views", mvs.list, ent, "list_materialized_views"),
        ("GET", mv_path, mvs.get, ent, "get_materialized_view"),
        ("DELETE", mv_path, mvs.delete, ent, "delete_materialized_view"),
        ("POST", mv_path + "/pause", mvs.pause, ent, "pause_materialized_view"),
        ("POST", mv_path + "/resume", mvs.resume, ent, "resume_materialized_view"),
        ("GET", mv_path + "/stats", mvs.stats, ent, "materialized_view_stats"),
        ("POST", mv_path + "/recover", mvs.recover, ent, "recover_materialized_view"),
        ("POST", mv_path + "/transfer", mvs.transfer, ent, "transfer_materialized_view"),
    ]
    return [(m, re.compile(p + r"/?\Z"), h, profiles, name)
            for m, p, h, profiles, name in table]


class _Listener(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    block_on_close = False
    request_queue_size = 256  # the stdlib's 5 resets bursts of concurrent connects

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler],
                 app: EmulatorServer) -> None:
        self.app = app
        self.open_sockets: set[socket.socket] = set()
        self.sockets_lock = threading.Lock()
        self.accepted = 0
        super().__init__(address, handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self.sockets_lock:
            self.open_sockets.add(request)
            self.accepted += 1
        super().process_request(request, client_address)

    def handle_error(self, request: Any, client_address: Any) -> None:
        logger.debug("connection from %s failed", client_address, exc_info=True)

    def shutdown_request(self, request: Any) -> None:
        with self.sockets_lock:
            self.open_sockets.discard(request)
        super().shutdown_request(request)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "TimeplusEmulator/0.1"
    # Headers and body go out as separate writes; with Nagle on, the body waited ~40 ms for
    # the client's delayed ACK on every plain (non-SSE) reply.
    disable_nagle_algorithm = True
    server: _Listener
    expects_continue = False

    def setup(self) -> None:
        super().setup()
        # reads and writes; a result nobody reads gives up its engine connection after this
        self.connection.settimeout(self.server.app.socket_timeout)

    def handle_expect_100(self) -> bool:
        """Defer ``100 Continue`` until the body is wanted (after auth; see httpio)."""
        self.expects_continue = True
        return True

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("%s - " + format, self.address_string(), *args)

    reset_on_close = False

    def _dispatch(self) -> None:
        self.server.app.handle(self)
        self.expects_continue = False

    def finish(self) -> None:
        super().finish()
        if self.reset_on_close:  # close now with SO_LINGER 0: the peer sees a reset, not EOF
            try:
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                           struct.pack("ii", 1, 0))
            except OSError:
                pass
            self.connection.close()

    do_GET = do_POST = do_DELETE = do_PATCH = do_PUT = do_HEAD = do_OPTIONS = _dispatch


class EmulatorServer:
    """A Timeplus REST API v1beta2 emulator instance; see :func:`timeplus_emulator.run_emulator`."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, workspace: str = "default",
                 api_key: Optional[str] = None, user: Optional[str] = None,
                 password: Optional[str] = None, data_dir: Optional[str] = None,
                 profile: str = "cloud", max_body_bytes: int = DEFAULT_MAX_BODY, *,
                 enable_faults: bool = False, allow_origins: Iterable[str] = (),
                 max_requests: int = DEFAULT_MAX_REQUESTS,
                 socket_timeout: float = DEFAULT_SOCKET_TIMEOUT) -> None:
        if profile not in ("cloud", "enterprise"):
            raise ValueError(f"profile must be 'cloud' or 'enterprise', not {profile!r}")
        if max_body_bytes < 0 or max_requests < 1 or not socket_timeout > 0:
            raise ValueError("max_body_bytes must be >= 0, max_requests >= 1, "
                             "socket_timeout > 0")
        self.allowed_origins = frozenset(allow_origins)
        self._loopback_only = _is_loopback(host)
        self.max_requests = max_requests
        self.socket_timeout = float(socket_timeout)
        self._active = 0
        self._active_lock = threading.Lock()
        self.host = host
        self.workspace = workspace
        self.profile = profile
        self.credentials = Credentials(api_key, user, password)
        self.data_dir = Path(data_dir) if data_dir else None
        self.max_body_bytes = max_body_bytes
        self.faults = Faults(enabled=enable_faults)
        self.registry = QueryRegistry()
        self._requested_port = port
        self._thread: Optional[threading.Thread] = None
        self._listener: Optional[_Listener] = None
        self._stopped = False
        if self.data_dir is not None:
            self.data_dir.mkdir(parents=True, exist_ok=True)
        backend_path = str(self.data_dir.resolve()) if self.data_dir is not None else None
        self._backend = acquire_backend(backend_path)
        prefix = "tp_" if self.data_dir is not None else f"tp{next(_instance_ids)}x{_rand()}_"
        self.engine = Engine(self._backend, prefix, self.data_dir)
        self.engine.enterprise = profile == "enterprise"
        self.executor = Executor(self.engine)
        self.api = Api(self.engine, self.executor, self.registry, self.faults, profile)
        self._routes = _routes(self.api)
        self._counts_lock = threading.Lock()
        self._request_counts: Counter[str] = Counter()

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> EmulatorServer:
        """Create databases, restart materialized views, listen; returns ``self``."""
        try:
            self.engine.start()
            for view in list(self.engine.views.values()):
                if view.materialized:
                    self.executor.start_view(view)
            self._listener = _Listener((self.host, self._requested_port), _Handler, self)
        except BaseException:
            self._release()
            raise
        self._thread = threading.Thread(target=self._listener.serve_forever,
                                        kwargs={"poll_interval": 0.2}, daemon=True,
                                        name=f"tp-emulator-{self.port}")
        self._thread.start()
        warning = exposure_warning(self.host, self.credentials.required)
        if warning is not None:
            logger.warning("%s", warning)
        return self

    def stop(self) -> None:
        """Stop serving and free everything this instance holds (idempotent)."""
        if self._stopped:
            return
        self._stopped = True
        self.registry.cancel_all()
        self.executor.stop()
        listener = self._listener
        if listener is not None:
            listener.shutdown()
            with listener.sockets_lock:
                sockets = list(listener.open_sockets)
            for sock in sockets:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
            listener.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._release()

    def _release(self) -> None:
        try:
            self.engine.stop(drop=self.data_dir is None)
        finally:
            release_backend(self._backend)

    def __enter__(self) -> EmulatorServer:
        return self.start() if self._listener is None else self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------------ addresses
    @property
    def port(self) -> int:
        if self._listener is None:
            return self._requested_port
        return int(self._listener.server_address[1])

    @property
    def url(self) -> str:
        host = self.host if ":" not in self.host else f"[{self.host}]"
        return f"http://{host}:{self.port}"

    @property
    def base_url(self) -> str:
        return f"{self.url}/{self.workspace}/api"

    @property
    def dsn(self) -> str:
        """The ``timeplus://`` DSN to connect with, credentials included."""
        return self._dsn(mask=False)

    @property
    def masked_dsn(self) -> str:
        """:attr:`dsn` with the API key or password replaced by ``***`` (for printing)."""
        return self._dsn(mask=True)

    def _dsn(self, mask: bool) -> str:
        creds = self.credentials

        def secret(value: Optional[str]) -> str:
            return "***" if mask and value else quote(value or "", safe="")

        auth = ""
        if creds.user is not None or creds.password is not None:
            auth = f"{quote(creds.user or '', safe='')}:{secret(creds.password)}@"
        elif creds.api_key is not None:
            auth = f":{secret(creds.api_key)}@"
        host = self.host if ":" not in self.host else f"[{self.host}]"
        return f"timeplus://{auth}{host}:{self.port}/{self.workspace}"

    def __repr__(self) -> str:
        return f"<EmulatorServer {self.profile} {self.url}/{self.workspace}>"

    # ------------------------------------------------------------------ requests
    @property
    def connections_accepted(self) -> int:
        """TCP connections accepted since start (clients that keep connections alive open
        few; a client opening one per request shows here)."""
        listener = self._listener
        return 0 if listener is None else listener.accepted

    @property
    def request_counts(self) -> dict[str, int]:
        """A snapshot (a new dict) of requests received per API endpoint since start.

        Keys are endpoint names: ``info``, ``queries`` (POST /queries), ``list_queries``,
        ``get_query``, ``delete_query``, ``cancel_query``, ``sqlanalyze``, ``format``,
        ``exec``, ``list_streams``, ``create_stream``, ``get_stream``, ``delete_stream``,
        ``patch_stream``, ``stream_stats``, ``ingest``, ``list_views``, ``create_view``,
        ``get_view``, ``delete_view``, ``patch_view`` and (enterprise) ``list_materialized_views``,
        ``get_materialized_view``, ``delete_materialized_view``, ``pause_materialized_view``,
        ``resume_materialized_view``, ``materialized_view_stats``,
        ``recover_materialized_view``, ``transfer_materialized_view``; endpoints never
        called are absent.
        A request counts once its method and path name an endpoint of this profile,
        whatever the answer (injected faults and failed auth included); unknown paths
        and ``/_emulator/faults`` are not counted. Thread-safe; compare two snapshots.
        """
        with self._counts_lock:
            return dict(self._request_counts)

    def _count(self, method: str, rest: str) -> None:
        for route_method, pattern, _, profiles, name in self._routes:
            if route_method == method and self.profile in profiles and pattern.match(rest):
                with self._counts_lock:
                    self._request_counts[name] += 1
                return

    def handle(self, handler: BaseHTTPRequestHandler) -> None:
        req = Request(handler, self.max_body_bytes)
        with self._active_lock:
            admitted = self._active < self.max_requests
            self._active += admitted
        try:
            self._handle(req, admitted)
        finally:
            with self._active_lock:
                self._active -= admitted

    def _handle(self, req: Request, admitted: bool) -> None:
        handler = req.handler
        system = "neutron" if self.profile == "cloud" else "appserver"
        try:
            if not admitted:
                raise HttpError(503, SERVER_BUSY, f"Too many simultaneous requests: "
                                f"{self.max_requests} are running (--max-requests)",
                                headers={"Retry-After": str(RETRY_AFTER_S)})
            req.check_framing()
            self._admit(req)
            self._route(req)
            req.finish_body()  # never parse an unread body as the next request
        except HttpError as exc:
            if not req.responded:
                _send_error(req, exc, system)
        except PoolBusy as exc:
            if not req.responded:
                _send_error(req, HttpError(503, exc.code, exc.message, headers={
                    "Retry-After": str(RETRY_AFTER_S)}), system)
        except EngineError as exc:
            if not req.responded:
                _send_error(req, HttpError(400, exc.code, exc.message), system)
        except (ConnectionError, TimeoutError):
            handler.close_connection = True
        except Exception as exc:
            logger.exception("unhandled error for %s %s", req.method, req.path)
            if not req.responded:
                _send_error(req, HttpError(500, 1001, f"internal emulator error: {exc}"), system)
        finally:
            req.drain()

    def _admit(self, req: Request) -> None:
        """Host, Origin, then credentials; only an admitted request has its body read."""
        host = req.headers.get("Host")
        if host is not None and self._loopback_only and not _names_loopback(host):
            # DNS rebinding: a page whose name now resolves to 127.0.0.1 sends its own name
            raise HttpError(403, ORIGIN_REFUSED, f"Host {host!r} is not a loopback name; "
                            "an emulator bound to loopback answers only localhost and "
                            "loopback addresses")
        origin = req.headers.get("Origin")
        if origin is not None:
            if origin not in self.allowed_origins:
                raise HttpError(403, ORIGIN_REFUSED, f"requests from origin {origin!r} are "
                                "not allowed (start the emulator with --allow-origin to allow it)")
            req.extra_headers.update({"Access-Control-Allow-Origin": origin, "Vary": "Origin"})
            if req.method == "OPTIONS":  # a CORS preflight carries no credentials
                req.trusted = True
                return
        if not self.credentials.accepts(req.headers):
            req.handler.close_connection = True
            headers = {"WWW-Authenticate": 'Basic realm="timeplus"'}
            raise HttpError(401, AUTHENTICATION_FAILED,
                            "Authentication failed: missing or wrong API key or user/password",
                            headers=headers)
        req.trusted = True

    def _route(self, req: Request) -> None:
        if req.method == "OPTIONS":
            self._preflight(req)
            return
        if req.path.rstrip("/") == "/_emulator/faults":
            self._faults_endpoint(req)
            return
        match = _PREFIX_RE.match(req.path)
        if match is None:
            raise HttpError(404, 404, f"no such path {req.path}")
        workspace = match.group("ws")
        if workspace is not None and unquote(workspace) != self.workspace:
            raise HttpError(404, 404, f"workspace {unquote(workspace)!r} not found")
        self._count(req.method, match.group("rest"))
        failure = self.faults.claim_failure(req.path)
        if failure is not None:
            status, retry_after = failure
            headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
            req.body  # noqa: B018 - drain the request so the connection stays usable
            raise HttpError(status, 1002, f"injected fault: HTTP {status}", headers=headers)
        self._call(req, match.group("rest"))

    def _preflight(self, req: Request) -> None:
        """Answer a CORS preflight from an allowed origin (others got 403 in ``_admit``)."""
        if "Access-Control-Allow-Origin" not in req.extra_headers:
            raise HttpError(405, 405, "OPTIONS is only answered to an allowed Origin")
        req.send(204, headers={
            "Access-Control-Allow-Methods": "GET, POST, PATCH, DELETE",
            "Access-Control-Allow-Headers": "Authorization, Content-Type, X-Api-Key",
            "Access-Control-Max-Age": "600"})

    def _call(self, req: Request, rest: str) -> None:
        path_known = False
        for method, pattern, handler, profiles, _ in self._routes:
            found = pattern.match(rest)
            if found is None or self.profile not in profiles:
                continue
            path_known = True
            if method == req.method:
                handler(req, *(unquote(g) for g in found.groups()))
                return
        if path_known:
            raise HttpError(405, 405, f"method {req.method} not allowed on {req.path}")
        raise HttpError(404, 404, f"no such path {req.path}")

    def _faults_endpoint(self, req: Request) -> None:
        if not self.faults.enabled:
            raise HttpError(404, 404, "fault injection is off: start the emulator with "
                            "--enable-faults (enable_faults=True) to use /_emulator/faults")
        if req.method == "GET":
            req.send_json(200, self.faults.snapshot())
        elif req.method == "POST":
            try:
                self.faults.configure(req.json_body())
            except ValueError as exc:
                raise HttpError(400, 36, f"bad fault settings: {exc}") from None
            req.send(204)
        elif req.method == "DELETE":
            self.faults.reset()
            req.send(204)
        else:
            raise HttpError(405, 405, "use GET, POST or DELETE on /_emulator/faults")


def _names_loopback(host_header: str) -> bool:
    """Whether a Host header names loopback by itself: ``localhost`` or a loopback address.
    Never resolved: a rebinding attacker's own name resolves to 127.0.0.1 too."""
    if host_header.startswith("["):
        name = host_header[1:].partition("]")[0]
    else:
        name = host_header.rpartition(":")[0] if host_header.count(":") == 1 else host_header
    name = name.rstrip(".").lower()
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def _send_error(req: Request, exc: HttpError, system: str) -> None:
    if not req.trusted or exc.status == 415:
        if req.has_body:
            req.handler.close_connection = True
        req.send_error_response(exc, system)
        if req.has_body:
            req.abandon_body()
        return
    try:
        req.body  # noqa: B018 - an unread body would be parsed as the next request
    except HttpError:
        req.handler.close_connection = True
    req.send_error_response(exc, system)


def exposure_warning(host: str, credentials: bool) -> Optional[str]:
    """A warning if ``host`` is reachable from other machines and no credentials are set."""
    if credentials or _is_loopback(host):
        return None
    return (f"the emulator listens on {host} without credentials: anyone who can reach this "
            "address can run SQL; use --api-key or --user/--password, or --host 127.0.0.1")


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, None)
    except OSError:
        return False
    return bool(infos) and all(ipaddress.ip_address(str(info[4][0]).split("%")[0]).is_loopback
                               for info in infos)


def _rand() -> str:
    return secrets.token_hex(2)

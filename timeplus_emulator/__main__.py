"""``python -m timeplus_emulator``: serve the emulator until interrupted.

The API key and password may come from ``TIMEPLUS_EMULATOR_API_KEY`` and
``TIMEPLUS_EMULATOR_PASSWORD`` instead of the command line, so they stay out of ``ps``.
The start-up line prints the DSN to connect with, its secret masked as ``***``.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from typing import Optional

from timeplus_emulator.server import (
    DEFAULT_MAX_BODY,
    DEFAULT_MAX_REQUESTS,
    DEFAULT_SOCKET_TIMEOUT,
    EmulatorServer,
)

API_KEY_ENV = "TIMEPLUS_EMULATOR_API_KEY"
PASSWORD_ENV = "TIMEPLUS_EMULATOR_PASSWORD"  # noqa: S105 - a variable name

DESCRIPTION = """\
Local Timeplus REST API v1beta2 emulator backed by chDB.

Profiles:
  cloud       Timeplus Cloud: authenticate with an API key (--api-key, sent as X-Api-Key);
              POST /streams and /views exist; DDL on /queries answers an empty event stream.
  enterprise  self-hosted Timeplus Enterprise: HTTP Basic (--user/--password); /exec and
              /materialized_views exist; DDL on /queries answers 204.

Without credentials anyone who can reach --host can run SQL: keep the default loopback host,
or set credentials (a warning is printed otherwise). Requests carrying an Origin header
(browsers) are refused with 403 unless the origin is given with --allow-origin. On a loopback
--host, a Host header that is not localhost or a loopback address gets 403 (DNS rebinding)."""


class _HelpFormatter(argparse.ArgumentDefaultsHelpFormatter,
                     argparse.RawDescriptionHelpFormatter):
    """Shows each default (options without one say so in their help) and keeps the
    description's line breaks."""

    def _get_help_string(self, action: argparse.Action) -> Optional[str]:
        if action.default in (None, False, []):
            return action.help
        return super()._get_help_string(action)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m timeplus_emulator", description=DESCRIPTION,
                                     formatter_class=_HelpFormatter)
    add = parser.add_argument
    add("--host", default="127.0.0.1", help="address to listen on")
    add("--port", type=int, default=8000, help="port to listen on (0: any free port)")
    add("--workspace", default="default", help="workspace segment of the URL path")
    add("--profile", choices=("cloud", "enterprise"), default="cloud", help="see above")
    add("--api-key", default=None,
        help=f"require this X-Api-Key (or Basic password) (default: ${API_KEY_ENV}, "
             "else no key)")
    add("--user", default=None, help="require HTTP Basic with this user (default: none)")
    add("--password", default=None,
        help=f"password for --user; user 'default' if --user is not given "
             f"(default: ${PASSWORD_ENV}, else none)")
    add("--data-dir", default=None, help="persist streams and rows here (default: in memory)")
    add("--max-body-bytes", type=int, default=DEFAULT_MAX_BODY,
        help="larger request bodies get 413, whatever their framing")
    add("--max-requests", type=int, default=DEFAULT_MAX_REQUESTS,
        help="requests handled at once; more get 503 with Retry-After")
    add("--socket-timeout", type=float, default=DEFAULT_SOCKET_TIMEOUT,
        help="seconds a client may stay silent or leave a result unread before it is "
             "disconnected (its query is then cancelled)")
    add("--allow-origin", action="append", default=[], metavar="ORIGIN",
        help="accept browser requests from this Origin (repeatable) (default: none)")
    add("--enable-faults", action="store_true",
        help="turn on fault injection (/_emulator/faults), for reliability tests "
             "(default: off)")
    add("--verbose", action="store_true", help="log requests to stderr (default: off)")
    return parser


def main(argv: Optional[list[str]] = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.api_key is None:
        args.api_key = os.environ.get(API_KEY_ENV) or None
    if args.password is None:
        args.password = os.environ.get(PASSWORD_ENV) or None
    if args.password is not None and args.user is None:
        args.user = "default"
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING)
    try:
        server = EmulatorServer(
            host=args.host, port=args.port, workspace=args.workspace, api_key=args.api_key,
            user=args.user, password=args.password, data_dir=args.data_dir,
            profile=args.profile, max_body_bytes=args.max_body_bytes,
            enable_faults=args.enable_faults, allow_origins=args.allow_origin,
            max_requests=args.max_requests, socket_timeout=args.socket_timeout)
        server.start()
    except ValueError as exc:
        parser.error(str(exc))
    except OSError as exc:
        print(f"{parser.prog}: error: cannot listen on {args.host}:{args.port}: "
              f"{exc.strerror or exc}", file=sys.stderr)
        return 1
    return _serve(server)


def _serve(server: EmulatorServer) -> int:
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    print(f"Timeplus emulator ({server.profile}) listening on {server.base_url}; "
          f"connect with {server.masked_dsn}", flush=True)
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""``python -m timeplus_emulator``: serve the emulator until interrupted."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from typing import Optional

from timeplus_emulator.server import DEFAULT_MAX_BODY, EmulatorServer


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m timeplus_emulator",
        description="Local Timeplus REST API v1beta2 emulator backed by chDB.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--workspace", default="default")
    parser.add_argument("--api-key", default=None, help="require this X-Api-Key")
    parser.add_argument("--user", default=None, help="require HTTP Basic with this user")
    parser.add_argument("--password", default=None, help="password for --user")
    parser.add_argument("--data-dir", default=None, help="persist streams and rows here")
    parser.add_argument("--profile", choices=("cloud", "enterprise"), default="cloud")
    parser.add_argument("--max-body-bytes", type=int, default=DEFAULT_MAX_BODY,
                        help="larger request bodies get 413 (default 256 MiB)")
    parser.add_argument("--verbose", action="store_true", help="log requests to stderr")
    return parser


def main(argv: Optional[list[str]] = None) -> int:
    args = build_parser().parse_args(argv)
    if args.password is not None and args.user is None:
        args.user = "default"
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING)
    server = EmulatorServer(host=args.host, port=args.port, workspace=args.workspace,
                            api_key=args.api_key, user=args.user, password=args.password,
                            data_dir=args.data_dir, profile=args.profile,
                            max_body_bytes=args.max_body_bytes)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    server.start()
    print(f"Timeplus emulator ({args.profile}) listening on {server.base_url}", flush=True)
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

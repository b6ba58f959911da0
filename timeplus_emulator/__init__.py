"""A local Timeplus REST API v1beta2 server backed by chDB.

Public API: :func:`run_emulator` (context manager, used by tests and the pytest plugin),
:class:`EmulatorServer`, and the CLI ``python -m timeplus_emulator``. See the README and
PROTOCOL.md for what it implements; :mod:`timeplus_emulator.faults` for fault injection.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Optional

from timeplus_emulator.server import EmulatorServer


@contextmanager
def run_emulator(host: str = "127.0.0.1", port: int = 0, workspace: str = "default",
                 api_key: Optional[str] = None, user: Optional[str] = None,
                 password: Optional[str] = None, data_dir: Optional[str] = None,
                 profile: str = "cloud") -> Iterator[EmulatorServer]:
    """Run an emulator on a background thread for the duration of the ``with`` block.

    ``port=0`` picks a free port (read it from ``server.url``). Several emulators may run in
    one process; each has its own chDB databases. ``data_dir`` persists streams and rows,
    but chDB allows one data path per process, so only one such emulator can run in a
    process (and not beside in-memory ones started earlier).
    """
    server = EmulatorServer(host=host, port=port, workspace=workspace, api_key=api_key,
                            user=user, password=password, data_dir=data_dir, profile=profile)
    server.start()
    try:
        yield server
    finally:
        server.stop()


__all__ = ["EmulatorServer", "run_emulator"]

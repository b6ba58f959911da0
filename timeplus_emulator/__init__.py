"""A local Timeplus REST API v1beta2 server backed by chDB.

Public API: :func:`run_emulator` (context manager, used by tests and the pytest plugin),
:class:`EmulatorServer` (``server.request_counts``: requests per endpoint, for tests), and
the CLI ``python -m timeplus_emulator``. It implements the
choices of PROTOCOL.md; :mod:`timeplus_emulator.faults` documents fault injection.

Choices where PROTOCOL.md leaves them open ([?]):

* Values: (u)int64 and wider are JSON strings (Proton quotes 64-bit integers by default),
  decimals are strings (lossless), floats are numbers or ``"nan"``/``"inf"``/``"-inf"``,
  datetimes are ``"YYYY-MM-DD hh:mm:ss[.fff]"`` in the column's zone (UTC by default),
  dates ``"YYYY-MM-DD"``; arrays/tuples are arrays, maps objects, named tuples objects.
* ``json`` values: integers that fit 32 bits are numbers, wider ones strings, as Proton's
  ``Object('json')`` sends them (it infers the smallest integer type per path). chDB's JSON
  stores every integer as Int64, so results with a json column are run with 64-bit quoting
  off and re-quoted by :mod:`timeplus_emulator.jsonints` (per value, where Proton decides per
  path and block).
* Results Proton types ``bool`` (comparisons, IN, LIKE, AND/OR/NOT, Proton's bool
  functions) are ``bool`` as select items, arguments, tuple elements and lambda bodies,
  with Proton's column name; chDB has no setting for this, so the translator wraps them
  in a helper (see :mod:`timeplus_emulator.sql.booleans`). They stay ``uint8`` where
  types are unified (``if`` branches, ``[...]``, UNION), in INSERT ... SELECT and views.
* Ingest answers 200 with ``{"count": <rows inserted>}``; bodies over ``--max-body-bytes``
  (256 MiB) get 413. A body goes to chDB in pieces of about 1 MiB of rows through a staging
  table, stored whole or not at all (:mod:`timeplus_emulator.ingest`): a 256 MiB body peaks
  at about 2.7x its size in RSS growth (compact 684 MB, streaming 654 MB; a whole-body parse
  took 2.2 GB).
* A streaming query ended by ``LIMIT n`` sends a final ``event: query`` with
  ``status: finished``; cancel or DELETE of a running query sends ``status: canceled``;
  an error after the stream started sends ``status: failed`` with ``message``.
* DDL/INSERT on ``POST /queries``: cloud profile answers SSE (empty header, then
  ``finished``), enterprise answers 204.
* ``INSERT INTO s SELECT ... FROM stream`` reads the stream as a table (bounded). A
  materialized view processes rows ingested after it was created (or after a restart).
* ``changelog``/``changelog_kv`` streams store ``_tp_delta`` (1 or -1, else code 117);
  ``SELECT *`` includes it; historical reads of ``changelog_kv`` drop deleted keys (see
  :mod:`timeplus_emulator.engine`).
* Unknown streams/views/queries on resource endpoints are 404; SQL errors on
  ``/queries``, ``/exec`` and ``/sqlanalyze`` are 400 with the Proton code.
* ``?db=`` names the database on the stream, view, materialized view and ingest endpoints
  (E-SPEC), and (enterprise profile, our reading) the current database of ``/queries``,
  ``/exec`` and ``/sqlanalyze``: unqualified names resolve there; unknown is 81. The cloud
  profile refuses a ``db`` other than ``default`` on those three (48; see
  :mod:`timeplus_emulator.api`).

Safety: the SQL path is an allow-list by construction. The translator
(:mod:`timeplus_emulator.sql`) builds every statement it sends to chDB from parsed pieces;
every function (bare or quoted), table function, setting (name, and a value that must be
one literal of the expected kind, re-rendered), ``INSERT ... FORMAT`` name and ``system``
table passes the one list in :mod:`timeplus_emulator.sql.allowlist`, wherever it stands
(select list, FROM/JOIN, subquery, CTE, IN, INSERT, view and materialized-view bodies).
``FORMAT Values`` data must be literals; ``INTO OUTFILE``/``FROM INFILE``, ``SYSTEM``,
``ATTACH``, ``KILL``, ``GRANT``, ``CREATE DICTIONARY|FUNCTION|USER``, ``BACKUP``... are
refused. Instances share one chDB but each reads only its own databases: stream names
resolve through the instance's catalog (81 otherwise), and ``system.tables``/``columns``/
``databases`` are built from that catalog. What chDB 4.4 adds, measured
(``tests/emulator/test_chdb_restrictions.py``): every SELECT runs with ``readonly = 1``,
so chDB itself refuses DDL, writes and the ``file``/``url``/``executable``/``format``...
table functions, but not the scalar ``file()`` nor ``INTO OUTFILE`` (only the allow-list
keeps those out); ``FORMAT Values`` data is read with
``input_format_values_interpret_expressions = 0`` and
``input_format_values_deduce_templates_of_expressions = 0`` (the first alone still
evaluates calls). The emulator does not rely on ``user_files_path``: it is not a query
setting, chDB's connection string does not change it, and chDB's ``file()`` reads any
absolute path. A chDB connection on which a query failed is closed, never reused (chDB
would prepend the failed query's partial output to the next result).

Knowingly rejected with a 400 (code 48) instead of a wrong answer: streaming joins or
unions of two streams, ``EMIT ON UPDATE|CHANGELOG|PER EVENT|PERIODIC ... REPEAT|AFTER
WINDOW CLOSE WITH DELAY``, session windows and window functions (``OVER``) in streaming
queries, aggregation in a subquery over a stream, ``LIMIT ... OFFSET`` in streaming
queries, ``seek_to`` other than earliest/latest/``-<n>s|m|h|d``/a timestamp, and
statements such as EXPLAIN (all but ``EXPLAIN ESTIMATE <select>``,
:mod:`timeplus_emulator.estimate`), OPTIMIZE (see :mod:`timeplus_emulator.sql`); ALTER STREAM is
:mod:`timeplus_emulator.schema_change`. The enterprise profile also has mutable streams, DELETE
and TRUNCATE STREAM (:mod:`timeplus_emulator.mutations`); the cloud profile refuses them (48).
``docs/emulator-compatibility.md`` tables what is supported, refused and knowingly different.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Optional

from timeplus_emulator.server import (
    DEFAULT_MAX_BODY,
    DEFAULT_MAX_REQUESTS,
    DEFAULT_SOCKET_TIMEOUT,
    EmulatorServer,
)


@contextmanager
def run_emulator(host: str = "127.0.0.1", port: int = 0, workspace: str = "default",
                 api_key: Optional[str] = None, user: Optional[str] = None,
                 password: Optional[str] = None, data_dir: Optional[str] = None,
                 profile: str = "cloud", *, enable_faults: bool = False,
                 allow_origins: Iterable[str] = (), max_body_bytes: int = DEFAULT_MAX_BODY,
                 max_requests: int = DEFAULT_MAX_REQUESTS,
                 socket_timeout: float = DEFAULT_SOCKET_TIMEOUT) -> Iterator[EmulatorServer]:
    """Run an emulator on a background thread for the duration of the ``with`` block.

    ``port=0`` picks a free port (read it from ``server.url``). Several emulators may run in
    one process; each has its own chDB databases. ``data_dir`` persists streams and rows,
    but chDB allows one data path per process, so only one such emulator can run in a
    process (and not beside in-memory ones started earlier).

    ``enable_faults=True`` turns fault injection on (``server.faults``, ``/_emulator/faults``);
    it is off by default. The other keywords are the CLI's limits (``--allow-origin``,
    ``--max-body-bytes``, ``--max-requests``, ``--socket-timeout``), with the same defaults.
    """
    server = EmulatorServer(host=host, port=port, workspace=workspace, api_key=api_key,
                            user=user, password=password, data_dir=data_dir, profile=profile,
                            enable_faults=enable_faults, allow_origins=allow_origins,
                            max_body_bytes=max_body_bytes, max_requests=max_requests,
                            socket_timeout=socket_timeout)
    server.start()
    try:
        yield server
    finally:
        server.stop()


__all__ = ["EmulatorServer", "run_emulator"]

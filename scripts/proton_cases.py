"""Measure the emulator against Proton's own SQL test cases (a development tool, not CI).

Takes a directory holding Proton's ``tests/queries_ported/0_stateless`` (``.sql`` files with
``.reference`` outputs; obtained separately, never committed here), runs each selected file
statement by statement through ``timeplus_dbapi`` against an emulator started in this
process (``run_emulator()``; SELECTs in table mode), renders result rows the way
clickhouse-client's default TabSeparated output does, compares them with the ``.reference``
file, and classifies the file:

* ``pass``    — every output line matches, and every statement marked
  ``-- { serverError ... }`` failed (``-- { echo }`` files: queries are printed too);
* ``wrong``   — no unexpected error, but the output differs (or an expected error did not
  happen): a wrong answer;
* ``error``   — a statement failed unexpectedly with a code other than 48 (or timed out);
* ``refused`` — a statement was refused with code 48 ("not supported").

In scope: ``.sql`` files with a ``.reference`` file, without shell templates
(``{CLICKHOUSE_...}``) and without the tags ``long``, ``replica``, ``zookeeper``, ``shard``,
``distributed``, ``race``. ``select sleep(n)`` statements are answered ``0`` without
running them (the emulator stores rows synchronously; the tests sleep for Proton's
asynchronous ingest). After ``USE db`` the file's statements go to ``db`` (``?db=``; such
files run on an enterprise-profile emulator, the others on a cloud one). ``SET a = b`` is not
sent (the REST API has no session): the script remembers it and adds it to the SETTINGS of
the file's later SELECTs and INSERT ... SELECTs; a SET expected to fail is checked with
``SELECT 1 SETTINGS a = b``.

    python scripts/proton_cases.py /work/proton-tests/tests/queries_ported/0_stateless \\
        --sample 300 --json /tmp/cases.json [--list wrong] [--only NAME...]

A zoned datetime is written with its offset, as Proton writes it; the REST API sends the wall
time only, so for a wall time that occurs twice (a DST end) the script asks the server for
``timezone_offset`` of the same rows (:func:`ask_offsets`).

``--sample N`` takes N files evenly spread over the sorted in-scope list (deterministic);
``--timeout`` bounds each file (seconds). Exit status is always 0: this measures.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import decimal
import ipaddress
import json
import re
import struct
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Optional

import timeplus_dbapi
from timeplus_dbapi.sqltext import is_select, merge_settings
from timeplus_dbapi.typesystem import TypeSpec, parse_result_type

_EXCLUDED_TAGS = {"long", "replica", "zookeeper", "shard", "distributed", "race"}
_HINT = re.compile(r"--\s*\{\s*(serverError|clientError)\s+([^}]*)\}")
_SLEEP = re.compile(r"^\s*select\s+sleep(?:_each_row)?\s*\(\s*[\d.]+\s*\)\s*$", re.I)
_USE_LINE = re.compile(r"^\s*use\s+\S+\s*;", re.I | re.M)
_USE = re.compile(r"^\s*use\s+`?(\w+)`?\s*$", re.I)
_SET = re.compile(r"^\s*set\s+(?!role\b)(.*)$", re.I | re.S)
_SET_ITEM = re.compile(r"(\w+)\s*=\s*('(?:[^'\\]|\\.)*'|[^,]+)")
NOT_SUPPORTED = 48
_INSERT_SELECT = re.compile(r"\s*insert\s+into\s+(?:(?!\bvalues\b|\bformat\b).)*?\b(select|with)\b",
                            re.I | re.S)
_INLINE_INSERT = re.compile(r"insert\s+into\s+[^;]*?\bformat\s+(\w+)[ \t]+(?=\S)", re.I)
_ECHO = re.compile(r"--\s*\{\s*(echo|echoOn|echoOff)\s*\}")


@dataclass
class Statement:
    """One statement of a test file, and the error it is expected to raise (if any)."""

    sql: str
    expect_error: Optional[str] = None
    raw: str = ""  # as written, comments included (what ``-- { echo }`` prints)


@dataclass
class Outcome:
    """The classification of one file."""

    name: str
    kind: str
    detail: str = ""
    seconds: float = 0.0
    diff: list[str] = field(default_factory=list)


# ---------------------------------------------------------------- statement splitting
def _scan_string(text: str, start: int, quote: str) -> int:
    """Index just past the string literal opened at ``start``."""
    i = start + 1
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] == quote:
            if i + 1 < len(text) and text[i + 1] == quote:
                i += 2
                continue
            return i + 1
        i += 1
    return len(text)


def _skip_token(text: str, i: int) -> int:
    """Index past a string, quoted identifier or comment starting at ``i``; else ``i + 1``."""
    char = text[i]
    if char in "'\"`":
        return _scan_string(text, i, char)
    if text.startswith("--", i) or char == "#":
        end = text.find("\n", i)
        return len(text) if end < 0 else end
    if text.startswith("/*", i):
        return _block_comment_end(text, i)
    return i + 1


def _block_comment_end(text: str, i: int) -> int:
    """Index past the ``/* */`` comment at ``i``; such comments nest, as in Proton's lexer."""
    depth, i = 1, i + 2
    while i < len(text) and depth:
        if text.startswith("/*", i):
            depth, i = depth + 1, i + 2
        elif text.startswith("*/", i):
            depth, i = depth - 1, i + 2
        else:
            i += 1
    return i


def split_statements(text: str) -> list[Statement]:
    """Split a test file at top-level ``;``, attaching ``-- { serverError X }`` hints."""
    statements: list[Statement] = []
    start = i = 0
    while i < len(text):
        inline = _inline_data_end(text, start) if i == start else None
        if inline is not None:  # INSERT ... FORMAT CSV 1,2: the data ends with its line
            _add_statement(statements, text[start:inline].rstrip().rstrip(";"), "",
                           text[start:inline])
            start = i = inline
            continue
        if text[i] == ";":
            line_end = text.find("\n", i)
            line_end = len(text) if line_end < 0 else line_end
            if _strip_comments(text[i + 1:line_end]).strip():  # another statement follows
                line_end = i + 1
            _add_statement(statements, text[start:i], text[i + 1:line_end], text[start:line_end])
            start = i = line_end
            continue
        i = _skip_token(text, i)
    _add_statement(statements, text[start:], "", "")
    return statements


def _inline_data_end(text: str, start: int) -> Optional[int]:
    """End of the line of an ``INSERT ... FORMAT <not Values> data`` statement at ``start``.

    As clickhouse-client reads a test file, such inline data runs to the end of its line
    (01558 puts one INSERT per line, without semicolons).
    """
    begin = start + _sql_start(text[start:])
    match = _INLINE_INSERT.match(text, begin)
    if match is None or match.group(1).lower() == "values":
        return None
    end = text.find("\n", match.end())
    return len(text) if end < 0 else end


def _add_statement(statements: list[Statement], body: str, tail: str, raw: str) -> None:
    # a hint counts on the statement's line end or inside it, not in the comments before it
    # (clickhouse-test files keep commented-out statements with their own hints)
    hint = _HINT.search(tail) or _HINT.search(body, _sql_start(body))
    sql = _strip_comments(body).strip()
    if sql:
        raw = raw[1:] if raw.startswith("\n") else raw
        statements.append(Statement(sql, hint.group(2).strip() if hint else None, raw))


def _sql_start(body: str) -> int:
    """Index of the first character of ``body`` that is neither whitespace nor a comment."""
    i = 0
    while i < len(body):
        if body[i].isspace():
            i += 1
        elif body.startswith(("--", "/*", "#"), i):
            i = _skip_token(body, i)
        else:
            return i
    return i


def _strip_comments(body: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(body):
        end = _skip_token(body, i)
        piece = body[i:end]
        if piece.startswith("/*"):
            out.append(" ")  # a comment separates words: ORDER/* x */BY is ORDER BY
        elif not (piece.startswith("--") or piece.startswith("#")):
            out.append(piece)
        i = end
    return "".join(out)


# ---------------------------------------------------------------- TSV rendering
def _escape(text: str, quote: bool) -> str:
    table = {"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r", "\0": "\\0", "\b": "\\b",
             "\f": "\\f", "'": "\\'"}
    body = "".join(table.get(ch, ch) for ch in text)
    return f"'{body}'" if quote else body


def format_float(value: float, single: bool = False) -> str:
    """ClickHouse's shortest float text: plain between 1e-6 and 1e21, else ``1e21``;
    ``single``: the shortest text of a float32 (the driver hands its exact value over)."""
    if value != value:
        return "nan"
    if value in (float("inf"), float("-inf")):
        return "inf" if value > 0 else "-inf"
    digits = decimal.Decimal(_shortest_float32(value) if single else repr(float(value)))
    exponent = digits.adjusted()
    if -7 < exponent < 21:
        text = format(digits, "f")
        return text.rstrip("0").rstrip(".") if "." in text else text
    mantissa, _, power = f"{digits:e}".partition("e")
    mantissa = mantissa.rstrip("0").rstrip(".") if "." in mantissa else mantissa
    return f"{mantissa}e{int(power)}"


def _shortest_float32(value: float) -> str:
    """The fewest significant digits that read back as the same float32."""
    exact = struct.unpack("f", struct.pack("f", value))[0]
    for places in range(1, 10):
        text = f"{exact:.{places}g}"
        if struct.unpack("f", struct.pack("f", float(text)))[0] == exact:
            return text
    return repr(exact)


class RawDatetime(str):
    """A datetime exactly as the server sent it (Python's datetime stops at microseconds);
    ``offset``: its zone's offset in seconds, when the server was asked for it."""

    offset: Optional[int] = None


@contextlib.contextmanager
def _keep_datetime_text() -> Iterator[None]:
    """Make the driver hand datetimes over as sent, so nanoseconds survive; put its own
    converters back after (tests run the cases in the same process as other tests)."""
    from timeplus_dbapi import converters

    names = ("datetime", "datetime32", "datetime64")
    saved = {name: converters._FACTORIES.get(name) for name in names}
    for name in names:
        converters._FACTORIES[name] = lambda spec: RawDatetime
    converters._layout_for.cache_clear()  # layouts are cached per result's types
    try:
        yield
    finally:
        for name, factory in saved.items():
            if factory is None:
                converters._FACTORIES.pop(name, None)
            else:
                converters._FACTORIES[name] = factory
        converters._layout_for.cache_clear()


def _zone_of(spec: TypeSpec) -> Optional[str]:
    zones = [arg for arg in spec.args if isinstance(arg, str)]
    return zones[0] if zones and spec.name in ("datetime", "datetime64") else None


def _format_datetime(value: Any, spec: TypeSpec) -> str:
    text = str(value)
    zone = _zone_of(spec)
    if zone and isinstance(value, RawDatetime):
        seconds = value.offset if value.offset is not None else _wall_offset(text, zone)
        text += _offset_suffix(None if seconds is None else _as_proton_writes(seconds, zone))
    return text


def _as_proton_writes(seconds: int, zone_name: str) -> int:
    """The offset as Proton's DateLUTImpl::timezoneOffset gives it: the zone's offset at
    1970-01-01 plus the change since, taken into [-12 h, +12 h). It is the real offset except
    where a zone moved across the date line (Pacific/Kiritimati: -10:40 in 1970, +14:00 now,
    written -10:00; 01252_weird_time_zone)."""
    from zoneinfo import ZoneInfo

    epoch = datetime.datetime.fromtimestamp(0, ZoneInfo(zone_name)).utcoffset()
    start = int(epoch.total_seconds()) if epoch is not None else 0
    return start + (seconds - start + 43200) % 86400 - 43200


def _wall_offset(text: str, zone_name: str, fold: int = 0) -> Optional[int]:
    """The zone's offset at a wall time (the first one, unless ``fold``), in seconds."""
    from zoneinfo import ZoneInfo

    try:
        wall = datetime.datetime.fromisoformat(text[:19]).replace(fold=fold)
        offset = wall.replace(tzinfo=ZoneInfo(zone_name)).utcoffset() or datetime.timedelta()
    except (ValueError, KeyError):
        return None
    return int(offset.total_seconds())


def _is_ambiguous(value: Any, zone: str) -> bool:
    """A wall time that occurs twice (clocks going back): its offset cannot be told."""
    return isinstance(value, RawDatetime) and _wall_offset(value, zone) != _wall_offset(
        value, zone, fold=1)


def _offset_suffix(seconds: Optional[int]) -> str:
    """Proton writes a zoned datetime with its offset: ``Z`` for UTC, else ``+hh:mm``."""
    if seconds is None:
        return ""
    if not seconds:
        return "Z"
    minutes = seconds // 60
    sign = "+" if minutes >= 0 else "-"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def format_value(value: Any, spec: TypeSpec, nested: bool = False) -> str:
    """One value as clickhouse-client's TabSeparated output writes it."""
    spec = spec.unwrap() if spec.name in ("low_cardinality",) else spec
    if value is None:
        return "NULL" if nested else "\\N"
    if spec.name == "nullable":
        return format_value(value, spec.type_args[0], nested)
    if isinstance(value, bool):
        return "true" if value else "false"
    if spec.name in ("datetime", "datetime64"):
        text = _format_datetime(value, spec)
        return f"'{text}'" if nested else text
    if isinstance(value, (datetime.date, uuid.UUID, ipaddress.IPv4Address,
                          ipaddress.IPv6Address)):
        return f"'{value}'" if nested else str(value)
    return _format_plain(value, spec, nested)


def _format_decimal(value: decimal.Decimal) -> str:
    """Without trailing zeros, as Proton prints decimals (its Settings.h:
    ``output_format_decimal_trailing_zeros`` is false): the driver hands ``decimal(9, 4)``'s
    42.42 over as ``Decimal('42.4200')``, Proton writes ``42.42``."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _format_plain(value: Any, spec: TypeSpec, nested: bool) -> str:
    if isinstance(value, float):
        return format_float(value, single=spec.name == "float32")
    if isinstance(value, decimal.Decimal):
        return _format_decimal(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return _escape(value, nested)
    if isinstance(value, (bytes, bytearray)):
        return _escape(value.decode("utf-8", "replace"), nested)
    args = spec.type_args
    if isinstance(value, dict):
        key_spec, value_spec = (*args, spec, spec)[:2]
        items = (f"{format_value(k, key_spec, True)}:{format_value(v, value_spec, True)}"
                 for k, v in value.items())
        return "{" + ",".join(items) + "}"
    if isinstance(value, (list, tuple)) and spec.name == "tuple":
        parts = (format_value(v, args[i] if i < len(args) else spec, True)
                 for i, v in enumerate(value))
        return "(" + ",".join(parts) + ")"
    if isinstance(value, (list, tuple)):
        item_spec = args[0] if args else spec
        return "[" + ",".join(format_value(v, item_spec, True) for v in value) + "]"
    return _escape(str(value), nested)


# ---------------------------------------------------------------- running
def in_scope(path: Path) -> bool:
    """A ``.sql`` case with a reference, no shell templating and no cluster-only tags."""
    if not path.with_suffix(".reference").exists():
        return False
    text = path.read_text(errors="replace")
    if "{CLICKHOUSE_" in text or "{database}" in text:
        return False
    tags = re.search(r"^--\s*Tags:(.*)$", text, re.M)
    names = {t.strip() for t in tags.group(1).split(",")} if tags else set()
    return not names & _EXCLUDED_TAGS


def select_files(directory: Path, sample: Optional[int], only: list[str]) -> list[Path]:
    files = sorted(p for p in directory.glob("*.sql") if in_scope(p))
    if only:
        return [p for p in files if p.stem in only or p.name in only]
    if sample and sample < len(files):
        step = len(files) / sample
        return [files[int(i * step)] for i in range(sample)]
    return files


def apply_session(sql: str, session: dict[str, str], checked: bool = False) -> Optional[str]:
    """The statement to send: a ``SET a = b[, ...]`` is remembered and becomes the probe
    ``SELECT 1 SETTINGS a = b``. ``checked`` (a SET expected to fail, e.g. ``SET max_threads
    = nan``): any error of the probe counts; otherwise only a refusal (48) does, as Proton's
    SET checks little more than the name (``SET max_block_size = 0`` passes, the next SELECT
    fails). A SELECT (INSERT ... SELECT too) gets the remembered settings in its SETTINGS
    clause, as a session would."""
    match = _SET.match(sql)
    if match:
        probe = "SELECT 1"
        for name, value in _SET_ITEM.findall(match.group(1)):
            session[name.lower()] = value.strip()
            probe = merge_settings(probe, name.lower(), value.strip())
        return SetProbe(probe, strict=checked)
    if (is_select(sql) or _INSERT_SELECT.match(sql)) and not _SLEEP.match(sql):
        for name, value in session.items():  # a sleep stays one, answered without running
            sql = merge_settings(sql, name, value)
    return sql


class SetProbe(str):
    """The query checking a ``SET`` statement's values; its rows are not output. Unless
    ``strict``, only a refusal (48: a setting the emulator does not take) counts."""

    strict: bool

    def __new__(cls, text: str, strict: bool = True) -> SetProbe:
        probe = super().__new__(cls, text)
        probe.strict = strict
        return probe


def run_statement(cursor: Any, sql: str, deadline: float, fake_sleep: bool = True) -> list[str]:
    """Output lines of one statement (none for DDL/INSERT); with ``fake_sleep``, a ``sleep``
    is answered without running (one expected to fail, e.g. too long, is sent)."""
    if fake_sleep and _SLEEP.match(sql):
        return ["0"]
    remaining = max(1.0, deadline - time.monotonic())
    cursor.execute(sql, idle_timeout=remaining)
    if not cursor.description or isinstance(sql, SetProbe):
        return []
    specs = [parse_result_type(str(column[1])) for column in cursor.description]
    names = [str(column[0]) for column in cursor.description]
    rows = cursor.fetchall()
    if getattr(cursor, "connection", None) is not None:
        ask_offsets(cursor.connection, sql, names, specs, rows)
    lines = []
    for row in rows:
        lines.append("\t".join(format_value(v, s) for v, s in zip(row, specs)))
        if time.monotonic() > deadline:
            raise TimeoutError("file timeout")
    return lines


def ask_offsets(conn: Any, sql: str, names: list[str], specs: list[TypeSpec],
                rows: list[Any]) -> None:
    """Set ``offset`` on zoned datetimes whose wall time occurs twice (a DST end): the
    server sends wall times only, so the script asks it for ``timezone_offset`` of the
    same rows. The answer is used only if it lists the same wall times in the same order."""
    columns = [i for i, spec in enumerate(specs) if (zone := _zone_of(spec))
               and any(_is_ambiguous(row[i], zone) for row in rows)]
    if not columns or len(set(names)) != len(names):
        return
    quoted = ["`" + names[i].replace("`", "``") + "`" for i in columns]
    exprs = ", ".join(f"to_string({q}), timezone_offset({q})" for q in quoted)
    cursor = conn.cursor()
    try:
        cursor.execute(f"SELECT {exprs} FROM ({sql})", idle_timeout=10.0)
        answer = cursor.fetchall()
    except Exception:  # then the first offset stays, as documented
        return
    finally:
        cursor.close()
    pairs = [(row[i], got[2 * k], got[2 * k + 1]) for row, got in zip(rows, answer)
             for k, i in enumerate(columns)]
    if len(answer) != len(rows) or any(str(value) != text for value, text, _ in pairs
                                       if value is not None):
        return
    for value, _, offset in pairs:
        if isinstance(value, RawDatetime):
            value.offset = int(offset)


def _echo_state(raw: str, echo: bool) -> bool:
    """clickhouse-test's ``-- { echo }``/``{ echoOn }``/``{ echoOff }``: print the queries."""
    for match in re.finditer(_ECHO, raw):
        echo = match.group(1) != "echoOff"
    return echo


def echo_lines(raw: str, echo: bool) -> tuple[list[str], bool]:
    """The lines clickhouse-client echoes for one statement's text, and the echo state after it.

    When the statement's own text turns echo on, printing starts at that directive: the
    comments before it (``-- Tags: ...`` at the top of a file) are not echoed."""
    after = _echo_state(raw, echo)
    if not after:
        return [], after
    if not echo:
        starts = [m.start() for m in re.finditer(_ECHO, raw) if m.group(1) != "echoOff"]
        raw = raw[starts[-1]:]
    return raw.strip().split("\n"), after


def error_code(error: Exception) -> Optional[int]:
    code = getattr(error, "code", None)
    return int(code) if isinstance(code, int) else None


def run_file(conn: Any, path: Path, timeout: float) -> Outcome:
    started = time.monotonic()
    deadline = started + timeout
    opened: list[Any] = []
    try:
        outcome = _run_statements(conn, path, deadline, opened)
    finally:
        for other in opened:
            other.close()
    outcome.seconds = round(time.monotonic() - started, 2)
    return outcome


def _run_statements(conn: Any, path: Path, deadline: float, opened: list[Any]) -> Outcome:
    output: list[str] = []
    missed: list[str] = []
    cursor = conn.cursor()
    session: dict[str, str] = {}
    echo = False
    for statement in split_statements(path.read_text(errors="replace")):
        echoed, echo = echo_lines(statement.raw, echo)
        output.extend(echoed)
        printed = len(output)
        sql: Optional[str] = None
        try:
            sql = apply_session(statement.sql, session,
                                checked=statement.expect_error is not None)
            if sql is not None:
                output.extend(run_statement(cursor, sql, deadline,
                                            fake_sleep=statement.expect_error is None))
            use = _USE.match(statement.sql)
            if use and statement.expect_error is None:
                # the REST API has no session: later statements go to that database
                conn = timeplus_dbapi.Connection(replace(conn.params, database=use.group(1)))
                opened.append(conn)
                cursor = conn.cursor()
        except Exception as error:
            code = error_code(error)
            if statement.expect_error is not None or (
                    isinstance(sql, SetProbe) and not sql.strict and code != NOT_SUPPORTED):
                continue
            kind = "refused" if code == NOT_SUPPORTED else "error"
            message = f"{type(error).__name__}({code}): {str(error)[:300]}"
            return Outcome(path.stem, kind, f"{statement.sql[:300]} -> {message}")
        if statement.expect_error is not None and sql is not None and \
                "query_mode" not in session and fails_streaming(conn, sql, statement.expect_error):
            del output[printed:]  # Proton ran it streaming, where it failed: nothing printed
        elif statement.expect_error is not None:
            missed.append(statement.sql[:200])
    expected = path.with_suffix(".reference").read_text(errors="replace").splitlines()
    if output != expected:
        return Outcome(path.stem, "wrong", "output differs", diff=_diff(expected, output))
    if missed:
        return Outcome(path.stem, "wrong", "expected error did not happen: " + missed[0])
    return Outcome(path.stem, "pass")


def fails_streaming(conn: Any, sql: str, hint: str) -> bool:
    """Whether a SELECT that ran in table mode fails with one of the hint's codes as a
    streaming query, the way Proton's client ran it (the script reads in table mode, as
    streaming reads of the files' streams would not end)."""
    if not is_select(sql):
        return False
    codes = {int(code) for code in re.findall(r"\d+", hint)}
    cursor = conn.cursor()
    try:
        cursor.execute(merge_settings(sql, "query_mode", "'streaming'"), idle_timeout=5.0)
    except Exception as error:
        return error_code(error) in codes
    finally:
        cursor.close()  # a streaming query that started is cancelled unread
    return False


def _diff(expected: list[str], actual: list[str]) -> list[str]:
    import difflib

    lines = list(difflib.unified_diff(expected, actual, "reference", "emulator", n=0,
                                      lineterm=""))
    return lines[:40]


def drop_streams(conn: Any) -> None:
    cursor = conn.cursor()
    try:
        cursor.execute("SHOW STREAMS")
        names = [row[0] for row in cursor.fetchall()]
    except Exception:
        return
    for name in names:
        for kind in ("VIEW", "STREAM"):
            try:
                cursor.execute(f"DROP {kind} IF EXISTS `{name}`")
            except Exception:  # noqa: S112 - not a view, or already gone
                continue
            break


def run_cases(files: list[Path], timeout: float) -> Iterator[Outcome]:
    from timeplus_emulator import run_emulator

    with contextlib.ExitStack() as stack:
        stack.enter_context(_keep_datetime_text())
        servers: dict[str, str] = {}
        for path in files:
            # a file that USEs a database runs where ?db= exists (enterprise profile)
            uses = _USE_LINE.search(path.read_text(errors="replace"))
            profile = "enterprise" if uses else "cloud"
            if profile not in servers:
                url = stack.enter_context(run_emulator(profile=profile)).url
                servers[profile] = url.replace("http://", "timeplus://", 1) + "?query_mode=table"
            with timeplus_dbapi.connect(servers[profile]) as conn:
                try:
                    yield run_file(conn, path, timeout)
                finally:
                    drop_streams(conn)


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tests_dir", type=Path)
    parser.add_argument("--sample", type=int, default=None)
    parser.add_argument("--timeout", type=float, default=20.0)
    parser.add_argument("--json", type=Path, default=None, help="write every outcome here")
    parser.add_argument("--list", default="", help="kinds to print in full, e.g. wrong,error")
    parser.add_argument("--only", nargs="*", default=[], help="file names to run")
    args = parser.parse_args(argv)
    files = select_files(args.tests_dir, args.sample, args.only)
    report(run_cases(files, args.timeout), args.list, args.json, "files",
           ("pass", "wrong", "error", "refused"))
    return 0


def report(outcomes: Iterable[Outcome], listed: str, json_path: Optional[Path], unit: str,
           kinds: Sequence[str]) -> None:
    """Print each outcome of a kind in ``listed`` (``wrong,error``) in full as it comes, then
    the counts per kind; write every outcome to ``json_path`` if given."""
    shown = set(filter(None, listed.split(",")))
    done: list[Outcome] = []
    for outcome in outcomes:
        done.append(outcome)
        if outcome.kind in shown:
            print(f"== {outcome.kind} {outcome.name}: {outcome.detail}")
            print("\n".join(outcome.diff), flush=True)
    counts = Counter(o.kind for o in done)
    print(json.dumps({unit: len(done), **{k: counts.get(k, 0) for k in kinds}}))
    if json_path:
        json_path.write_text(json.dumps([asdict(o) for o in done], indent=1))


if __name__ == "__main__":
    sys.exit(main())

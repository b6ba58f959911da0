"""Column defaults of ``INSERT ... FORMAT JSONEachRow`` rows that omit fields, as Proton fills them.

Owns: refusing the inserts whose defaults Proton computes otherwise than chDB. Proton fills
a block's omitted fields in one pass (``AddingDefaultsTransform``): every column with a
``DEFAULT`` expression that is omitted in some row of the block is computed again from its
default for the whole block, and the other defaults are computed from those recomputed
columns, not from the values the rows gave. So with ``n DEFAULT 42, s DEFAULT
concat('test', to_string(n))``, the rows ``{"n": 2}, {"s": "world"}`` store ``s = 'test42'``
for the first row (01060_defaults_all_columns); chDB computes ``s`` from the row's own ``n``
(``'test2'``). The emulator refuses (48) an insert where a row omits a column whose default
reads another defaulted column that this row gives and another row of the insert omits;
every other insert is filled alike by both.
"""

from __future__ import annotations

import json
from typing import Optional

from timeplus_emulator.backend import EngineError
from timeplus_emulator.catalog import ColumnInfo
from timeplus_emulator.sql.errors import NOT_IMPLEMENTED, TranslationError
from timeplus_emulator.sql.tokens import Kind, name_of, tokenize

#: Formats whose rows may each leave out fields (the whole insert is read as one block).
_OMITTING = ("FORMAT JSONEachRow", "FORMAT JSONLines", "FORMAT NDJSON")
_RESERVED_DEFAULTS = ("_tp_time",)  # reserved columns with a default a user default may read


def check_omitted_defaults(columns: list[ColumnInfo], listed: Optional[tuple[str, ...]],
                           body: str) -> None:
    """Refuse (48) an ``INSERT ... FORMAT`` ``body`` whose filled-in defaults Proton computes
    otherwise (see the module docstring); ``listed`` is the INSERT's column list."""
    if not body.startswith(_OMITTING):
        return
    defaults = {c.name: c.default for c in columns if c.default and c.default_kind == "DEFAULT"}
    defaulted = set(defaults) | set(_RESERVED_DEFAULTS)
    reads = {name: _names(expr) & defaulted - {name} for name, expr in defaults.items()}
    if not any(reads.values()):
        return
    parts = body.split(None, 2)  # FORMAT, the format's name, the data
    rows = _row_keys(parts[2] if len(parts) > 2 else "")
    if rows is None:
        return  # chDB reports what is wrong with the data
    if listed is not None:
        rows = [keys & set(listed) for keys in rows]
    for column, read in reads.items():
        for other in read:
            omitted_somewhere = any(other not in keys for keys in rows)
            if omitted_somewhere and any(column not in keys and other in keys for keys in rows):
                raise EngineError(
                    NOT_IMPLEMENTED, f"An insert whose rows omit {column} (its default reads "
                    f"{other}) and {other} in different rows is not supported by the emulator: "
                    f"Proton computes {column} from {other}'s default there, not from the row's "
                    f"{other}; insert those rows separately")


def _names(expression: str) -> set[str]:
    """The column names a default expression reads."""
    try:
        tokens = tokenize(expression)
    except TranslationError:
        return set()
    return {name_of(tok) for i, tok in enumerate(tokens)
            if tok.kind in (Kind.IDENT, Kind.QUOTED_IDENT) and not tokens[i + 1].is_op("(")
            and not (i > 0 and tokens[i - 1].is_op("."))}


def _row_keys(data: str) -> Optional[list[set[str]]]:
    """The field names of each JSON object row of ``data`` (objects separated by blanks or
    commas), or None where it is no such list."""
    decoder = json.JSONDecoder()
    rows: list[set[str]] = []
    at = 0
    while True:
        while at < len(data) and (data[at].isspace() or data[at] == ","):
            at += 1
        if at >= len(data):
            return rows
        try:
            value, at = decoder.raw_decode(data, at)
        except ValueError:
            return None
        if not isinstance(value, dict):
            return None
        rows.append(set(value))

"""Result rows → Apache Arrow columns: one array builder per column, built once per result.

:meth:`ArrowResultBuilder.from_header` reads each header type with the one type parser
(:func:`typesystem.parse_result_type`) and picks, from ``_BUILDERS``, a builder that turns one
column of a decoded batch (the JSON values as a sequence) into a ``pyarrow.Array``. A batch is
transposed once (``zip(*rows)``, C speed) and every column is converted whole: text is parsed by
Arrow casts (``"-5"`` → int64, ``"2024-01-02 03:04:05.123456789"`` → timestamp[ns], ``"12.50"``
→ decimal128), never one Python object per value. Values a fast path refuses (an ``"inf"`` in
a float column, epoch numbers for a datetime, a server that does not quote 64-bit integers)
make that column of that batch go through the row API's converter (:mod:`.converters`), so both
APIs read the same value the same way; what neither can read raises ``DataError`` naming the
column. The mapping of each Timeplus type is tabled in the README ("DataFrames").

pyarrow is imported when a builder is first made (the ``arrow`` extra).
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable

from .converters import converter_for, key_converter_for
from .errors import DataError, InterfaceError
from .protocol.jsoncodec import collector_paused
from .typesystem import TypeSpec, parse_result_type, parse_type

__all__ = ["ArrowResultBuilder", "ColumnBuilder", "builder_for", "import_optional"]

ArrayBuilder = Callable[[Sequence[Any]], Any]  # values -> pyarrow.Array
_Factory = Callable[[TypeSpec], "ColumnBuilder"]

_EXTRAS = {"pyarrow": "arrow", "pyarrow.compute": "arrow", "polars": "polars"}


def import_optional(module: str, feature: str) -> Any:
    """Import an optional dependency, or raise InterfaceError naming the extra to install."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as exc:
        extra = _EXTRAS.get(module, module)
        found = "is not installed" if isinstance(exc, ModuleNotFoundError) else f"failed: {exc}"
        raise InterfaceError(
            f"{feature} needs {module}, whose import {found}: "
            f"pip install 'sqlalchemy-timeplus[{extra}]'"
        ) from exc


def _pa() -> Any:
    return import_optional("pyarrow", "Arrow results")


# pyarrow's errors derive from these (ArrowInvalid: ValueError, ArrowTypeError: TypeError...)
_ARROW_ERRORS: tuple[type[Exception], ...] = (
    TypeError,
    ValueError,
    ArithmeticError,
    NotImplementedError,
    KeyError,
    AttributeError,
)


@dataclass(frozen=True)
class ColumnBuilder:
    """How one Timeplus type becomes Arrow: its ``arrow_type`` and ``build(values)``."""

    spec: TypeSpec
    arrow_type: Any
    build: ArrayBuilder


def _attempts(*tries: ArrayBuilder) -> ArrayBuilder:
    """The first of ``tries`` that accepts the values (later ones are slower fallbacks)."""

    def build(values: Sequence[Any]) -> Any:
        for attempt in tries[:-1]:
            try:
                return attempt(values)
            except _ARROW_ERRORS:
                continue
        return tries[-1](values)

    return build


def _direct(arrow_type: Any) -> ArrayBuilder:
    pa = _pa()
    return lambda values: pa.array(values, type=arrow_type)


def _from_text(arrow_type: Any) -> ArrayBuilder:
    """Text values parsed by an Arrow cast (whole column at once)."""
    pa = _pa()
    return lambda values: pa.array(values, type=pa.string()).cast(arrow_type)


def _via_converter(spec: TypeSpec, arrow_type: Any, keys: bool = False) -> ArrayBuilder:
    """The row API's converter per value, then Arrow from the Python values: the slow path."""
    pa = _pa()
    convert = (key_converter_for(spec) if keys else converter_for(spec)) or (lambda v: v)

    def build(values: Sequence[Any]) -> Any:
        return pa.array([None if v is None else convert(v) for v in values], type=arrow_type)

    return build


def _integer(spec: TypeSpec) -> ColumnBuilder:
    pa = _pa()
    arrow_type = getattr(pa, spec.name)()  # int8 ... uint64 share their names with Arrow
    exact = _via_converter(spec, arrow_type, keys=True)
    if spec.name.endswith("64"):  # quoted in JSON: "-5"
        return ColumnBuilder(spec, arrow_type, _attempts(_from_text(arrow_type), exact))
    return ColumnBuilder(
        spec, arrow_type, _attempts(_direct(arrow_type), _from_text(arrow_type), exact)
    )


def _wide_integer(spec: TypeSpec) -> ColumnBuilder:
    """(u)int128/256 have no Arrow type: their exact decimal text, as a string column."""
    pa = _pa()

    def build(values: Sequence[Any]) -> Any:
        try:
            return pa.array(values, type=pa.string())
        except _ARROW_ERRORS:
            return pa.array([None if v is None else str(int(v)) for v in values], pa.string())

    return ColumnBuilder(spec, pa.string(), build)


def _float(spec: TypeSpec) -> ColumnBuilder:
    pa = _pa()
    arrow_type = pa.float64() if spec.name == "float64" else pa.float32()
    return ColumnBuilder(
        spec,
        arrow_type,
        _attempts(_direct(arrow_type), _from_text(arrow_type), _via_converter(spec, arrow_type)),
    )


def _decimal(spec: TypeSpec) -> ColumnBuilder:
    pa = _pa()
    precision, scale = spec.precision_scale
    precision = precision or 38
    factory = pa.decimal128 if precision <= 38 else pa.decimal256
    arrow_type = factory(precision, scale or 0)
    return ColumnBuilder(
        spec, arrow_type, _attempts(_from_text(arrow_type), _via_converter(spec, arrow_type))
    )


def _text(spec: TypeSpec) -> ColumnBuilder:
    pa = _pa()
    return ColumnBuilder(spec, pa.string(), _direct(pa.string()))


def _boolean(spec: TypeSpec) -> ColumnBuilder:
    pa = _pa()
    arrow_type = pa.bool_()
    return ColumnBuilder(
        spec,
        arrow_type,
        _attempts(
            _direct(arrow_type), _from_text(arrow_type), _via_converter(spec, arrow_type, True)
        ),
    )


def _date(spec: TypeSpec) -> ColumnBuilder:
    pa = _pa()
    arrow_type = pa.date32()
    return ColumnBuilder(
        spec, arrow_type, _attempts(_from_text(arrow_type), _via_converter(spec, arrow_type))
    )


def _time_unit(spec: TypeSpec) -> str:
    if spec.name != "datetime64":
        return "s"
    digits = spec.precision_scale[0] or 0
    return "s" if digits == 0 else "ms" if digits <= 3 else "us" if digits <= 6 else "ns"


def _datetime(spec: TypeSpec) -> ColumnBuilder:
    """Wall-clock text in the column's zone, parsed at the column's precision (ns kept)."""
    pa = _pa()
    pc = import_optional("pyarrow.compute", "Arrow results")
    unit = _time_unit(spec)
    zone = next((a for a in spec.args if isinstance(a, str)), None)
    naive, arrow_type = pa.timestamp(unit), pa.timestamp(unit, tz=zone)

    def from_text(values: Sequence[Any]) -> Any:
        local = pa.array(values, type=pa.string()).cast(naive)
        if zone is None:
            return local
        if zone in ("UTC", "Etc/UTC"):
            return local.cast(arrow_type)
        return pc.assume_timezone(
            local, timezone=zone, ambiguous="earliest", nonexistent="earliest"
        )

    return ColumnBuilder(spec, arrow_type, _attempts(from_text, _via_converter(spec, arrow_type)))


def _enum(spec: TypeSpec) -> ColumnBuilder:
    """A dictionary column over the declared labels (in declaration order)."""
    pa = _pa()
    pc = import_optional("pyarrow.compute", "Arrow results")
    if not spec.enum_values:
        return _text(spec)
    labels = pa.array([label for label, _ in spec.enum_values], type=pa.string())
    arrow_type = pa.dictionary(pa.int16(), pa.string())

    def build(values: Sequence[Any]) -> Any:
        text = pa.array(values, type=pa.string())
        indices = pc.index_in(text, value_set=labels)
        if indices.null_count != text.null_count:
            raise ValueError("a value is not one of the enum's labels")
        return pa.DictionaryArray.from_arrays(indices.cast(pa.int16()), labels)

    return ColumnBuilder(spec, arrow_type, build)


def _offsets(values: Sequence[Any]) -> tuple[Any, Any]:
    """List offsets (int32) and the validity mask (or None) of a list-like column."""
    import numpy as np

    pa = _pa()
    if None in values:
        mask = pa.array([v is None for v in values], type=pa.bool_())
        lengths = [0 if v is None else len(v) for v in values]
    else:
        mask, lengths = None, list(map(len, values))
    offsets = np.zeros(len(values) + 1, dtype=np.int32)
    np.cumsum(lengths, out=offsets[1:])
    return pa.array(offsets, type=pa.int32()), mask


def _array(spec: TypeSpec) -> ColumnBuilder:
    pa = _pa()
    inner = builder_for(spec.type_args[0] if spec.type_args else TypeSpec("string"))
    arrow_type = pa.list_(inner.arrow_type)

    def build(values: Sequence[Any]) -> Any:
        offsets, mask = _offsets(values)
        flat = list(itertools.chain.from_iterable(v for v in values if v is not None))
        items = inner.build(flat) if flat else pa.array([], type=inner.arrow_type)
        return pa.ListArray.from_arrays(offsets, items, type=arrow_type, mask=mask)

    return ColumnBuilder(spec, arrow_type, build)


def _map(spec: TypeSpec) -> ColumnBuilder:
    """JSON objects (keys are text: parsed by the key type's builder) → an Arrow map."""
    pa = _pa()
    key_spec, value_spec = (*spec.type_args, TypeSpec("string"), TypeSpec("string"))[:2]
    keys, items = builder_for(key_spec), builder_for(value_spec)
    arrow_type = pa.map_(keys.arrow_type, items.arrow_type)

    def build(values: Sequence[Any]) -> Any:
        values = [dict(v) if isinstance(v, list) else v for v in values]
        offsets, mask = _offsets(values)
        present = [v for v in values if v is not None]
        flat_keys = list(itertools.chain.from_iterable(present))
        flat_items = list(itertools.chain.from_iterable(v.values() for v in present))
        return pa.MapArray.from_arrays(
            offsets, keys.build(flat_keys), items.build(flat_items), type=arrow_type, mask=mask
        )

    return ColumnBuilder(spec, arrow_type, build)


def _tuple(spec: TypeSpec) -> ColumnBuilder:
    """A struct; fields are named as declared, else "1", "2"... (ClickHouse's element names)."""
    pa = _pa()
    elements = [builder_for(arg) for arg in spec.type_args]
    names = list(spec.field_names) or [str(i + 1) for i in range(len(elements))]
    arrow_type = pa.struct([pa.field(n, e.arrow_type) for n, e in zip(names, elements)])

    def build(values: Sequence[Any]) -> Any:
        mask = pa.array([v is None for v in values], pa.bool_()) if None in values else None
        rows = [
            [None] * len(names)
            if v is None
            else [v.get(n) for n in names]
            if isinstance(v, dict)
            else v
            for v in values
        ]
        if any(len(row) != len(names) for row in rows):
            raise ValueError(f"a tuple value does not have {len(names)} elements")
        fields = list(zip(*rows)) if rows else [()] * len(names)
        children = [e.build(f) for e, f in zip(elements, fields)]
        return pa.StructArray.from_arrays(children, fields=list(arrow_type), mask=mask)

    return ColumnBuilder(spec, arrow_type, build)


def _json_text(spec: TypeSpec) -> ColumnBuilder:
    """json/dynamic/variant and types unknown to this driver: each value as JSON text."""
    pa = _pa()

    def build(values: Sequence[Any]) -> Any:
        return pa.array(
            [None if v is None else json.dumps(v, ensure_ascii=False) for v in values],
            type=pa.string(),
        )

    return ColumnBuilder(spec, pa.string(), build)


def _nothing(spec: TypeSpec) -> ColumnBuilder:
    pa = _pa()

    def build(values: Sequence[Any]) -> Any:
        if any(v is not None for v in values):
            raise ValueError("a value in a column of type nothing")
        return pa.nulls(len(values))

    return ColumnBuilder(spec, pa.null(), build)


def _unwrap(spec: TypeSpec) -> ColumnBuilder:
    """nullable / low_cardinality / simple_aggregate_function: the inner type's builder."""
    inner = spec.type_args[-1] if spec.type_args else TypeSpec("string")
    return ColumnBuilder(spec, *_parts(builder_for(inner)))


def _parts(builder: ColumnBuilder) -> tuple[Any, ArrayBuilder]:
    return builder.arrow_type, builder.build


def _alias(type_text: str) -> _Factory:
    """Geo types are tuples and arrays of float64 pairs."""
    return lambda spec: ColumnBuilder(spec, *_parts(builder_for(parse_type(type_text))))


_POINT = "tuple(float64, float64)"
_BUILDERS: dict[str, _Factory] = {
    **dict.fromkeys(
        ("int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64"), _integer
    ),
    **dict.fromkeys(("int128", "uint128", "int256", "uint256"), _wide_integer),
    **dict.fromkeys(("float32", "float64", "bfloat16"), _float),
    **dict.fromkeys(("decimal", "decimal32", "decimal64", "decimal128", "decimal256"), _decimal),
    **dict.fromkeys(("string", "fixed_string", "uuid", "ipv4", "ipv6"), _text),
    **dict.fromkeys(("enum8", "enum16", "enum"), _enum),
    **dict.fromkeys(("date", "date32"), _date),
    **dict.fromkeys(("datetime", "datetime32", "datetime64"), _datetime),
    **dict.fromkeys(("nullable", "low_cardinality", "simple_aggregate_function"), _unwrap),
    "bool": _boolean,
    "array": _array,
    "map": _map,
    "tuple": _tuple,
    "nothing": _nothing,
    "point": _alias(_POINT),
    "ring": _alias(f"array({_POINT})"),
    "line_string": _alias(f"array({_POINT})"),
    "polygon": _alias(f"array(array({_POINT}))"),
    "multi_line_string": _alias(f"array(array({_POINT}))"),
    "multi_polygon": _alias(f"array(array(array({_POINT})))"),
}
# interval_* are int64 counts of their unit, quoted like every 64-bit integer
_INTERVALS = (
    "nanosecond microsecond millisecond second minute hour day week month quarter year".split()
)
_BUILDERS.update(
    {f"interval_{unit}": lambda spec: _integer(TypeSpec("int64")) for unit in _INTERVALS}
)


@lru_cache(maxsize=512)
def builder_for(spec: TypeSpec) -> ColumnBuilder:
    """The Arrow builder of one Timeplus type (JSON text for types without a mapping)."""
    return _BUILDERS.get(spec.name, _json_text)(spec)


class ArrowResultBuilder:
    """Turns decoded batches (lists of rows in header order) into ``pyarrow.RecordBatch``."""

    def __init__(self, names: Sequence[str], types: Sequence[str]) -> None:
        pa = _pa()
        self.names = list(names)
        self.specs = [parse_result_type(t) for t in types]
        self.builders = [builder_for(spec) for spec in self.specs]
        self.schema = pa.schema(
            [
                pa.field(name, builder.arrow_type, nullable=True)
                for name, builder in zip(self.names, self.builders)
            ]
        )

    @classmethod
    def from_header(cls, columns: Sequence[Any]) -> ArrowResultBuilder:
        """From header columns (objects with ``name`` and ``type``)."""
        return cls([str(c.name) for c in columns], [str(c.type) for c in columns])

    def record_batch(self, rows: Sequence[Sequence[Any]]) -> Any:
        """One record batch of ``rows``; raises DataError naming a column it cannot convert."""
        columns = self.transpose(rows)
        return self.from_columns(columns, len(rows))

    def transpose(self, rows: Sequence[Sequence[Any]]) -> list[Sequence[Any]]:
        """The columns of a batch of rows (checked to be all as wide as the header)."""
        width = len(self.builders)
        if not rows:
            return [() for _ in range(width)]
        lengths = set(map(len, rows))
        if lengths != {width}:
            raise DataError(
                f"result rows have {sorted(lengths)} values, the header has {width} columns"
            )
        return list(zip(*rows))

    def from_columns(self, columns: Sequence[Sequence[Any]], rows: int) -> Any:
        """One record batch of ``rows`` rows from column value sequences."""
        pa = _pa()
        if not rows:
            return self.empty_batch()
        with collector_paused():
            arrays = [self._column(i, values) for i, values in enumerate(columns)]
        return pa.RecordBatch.from_arrays(arrays, schema=self.schema)

    def _column(self, index: int, values: Sequence[Any]) -> Any:
        try:
            return self.builders[index].build(values)
        except _ARROW_ERRORS as exc:
            raise DataError(
                f"cannot convert column {self.names[index]!r} of type "
                f"{self.specs[index]} to Arrow: {exc}"
            ) from exc

    def empty_batch(self) -> Any:
        pa = _pa()
        return pa.RecordBatch.from_pylist([], schema=self.schema)

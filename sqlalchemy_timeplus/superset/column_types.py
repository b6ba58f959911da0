"""Timeplus column types for Superset: ``column_type_mappings`` built on the one type parser.

Superset walks ``(pattern, sqla_type, generic_type)`` triples and calls ``pattern.match(type)``;
here each pattern is a :class:`ValueTypeIs`, which parses the type string with
:func:`timeplus_dbapi.typesystem.parse_type` (Timeplus, upper-cased or ClickHouse spellings)
instead of a regular expression, looks through ``nullable``/``low_cardinality``, and hands the
parsed type to the SQLAlchemy type factory of the dialect's reflection (so ``array(int32)``
becomes the dialect's ``Array(Int32)``). Dataset columns then get the right
``is_dttm``/numeric/boolean/string flags. Types Timeplus does not have (``timestamp``,
``varchar(10)``) and those with no Superset meaning (``interval_*``, aggregate states,
``nothing``) match nothing and are left to SQLAlchemy.
"""

from __future__ import annotations

from typing import Any, Callable, Optional

from sqlalchemy.types import TypeEngine
from superset.utils.core import GenericDataType

from timeplus_dbapi.typesystem import TypeSpec

from ..reflection import type_from_spec
from ..superset_sql import value_type

__all__ = ["COLUMN_TYPE_MAPPINGS", "ValueTypeIs"]

_INTEGERS = {f"{sign}int{bits}" for sign in ("", "u") for bits in (8, 16, 32, 64, 128, 256)}
_DECIMALS = {"decimal", "decimal32", "decimal64", "decimal128", "decimal256"}
_NUMBERS = frozenset(_INTEGERS | _DECIMALS | {"float32", "float64", "bfloat16"})
_TEMPORAL = frozenset({"date", "date32", "datetime", "datetime32", "datetime64"})
# Shown as text in Superset: strings, identifiers, enums, JSON and the nested types.
_TEXT = frozenset(
    "string fixed_string uuid ipv4 ipv6 enum enum8 enum16 json array map tuple nested "
    "point ring polygon multi_polygon".split()
)


class ValueTypeIs:
    """Stands in for a compiled pattern: ``match(type)`` is the parsed value type when its
    canonical name is one of ``names``, else None."""

    def __init__(self, names: frozenset[str]) -> None:
        self.names = names

    def match(self, type_text: str) -> Optional[TypeSpec]:
        spec = value_type(type_text)
        return spec if spec is not None and spec.name in self.names else None

    def __repr__(self) -> str:
        return f"ValueTypeIs({sorted(self.names)})"


def _sqla_type(spec: TypeSpec) -> TypeEngine[Any]:
    return type_from_spec(spec)


_Mapping = tuple[ValueTypeIs, Callable[[TypeSpec], TypeEngine[Any]], GenericDataType]

COLUMN_TYPE_MAPPINGS: tuple[_Mapping, ...] = (
    (ValueTypeIs(_NUMBERS), _sqla_type, GenericDataType.NUMERIC),
    (ValueTypeIs(frozenset({"bool"})), _sqla_type, GenericDataType.BOOLEAN),
    (ValueTypeIs(_TEMPORAL), _sqla_type, GenericDataType.TEMPORAL),
    (ValueTypeIs(_TEXT), _sqla_type, GenericDataType.STRING),
)

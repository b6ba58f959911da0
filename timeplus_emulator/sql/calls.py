"""Timeplus calls whose chDB counterpart needs different arguments or a different body.

Owns: the helper functions the engine defines in chDB (``CREATE FUNCTION``) for Timeplus
functions that mean something else than the chDB function of the same shape, and the
choice, made from the written arguments, of which helper (if any) a call uses. Each
helper's result column shows the Timeplus name (see ``functions.INTERNAL_FUNCTIONS``).

* ``to_time(s, 'zone')``: Proton's to_time is ``parse_datetime64_best_effort_us_or_zero``
  whose second argument may be a time zone (FunctionsConversion.h); chDB's takes only a
  precision there, so the default precision 3 is put in front of the zone (no helper: the
  call stays the year-filling parse that ``legacy.py`` rewrites).
* ``map_cast(a, b)``: Proton (map.cpp) builds the map from the two arrays when both are
  arrays, refuses one array beside a non-array (43), and otherwise makes one entry ``a: b``;
  chDB's ``map`` would make one entry whose key is the array, and its ``mapFromArrays``
  refuses scalars. Where both arguments are number or string literals the call stays
  ``map``; otherwise the helper chooses by the arguments' types, which chDB knows while it
  plans: each argument becomes an array (itself, or ``[x]``) through a ``Dynamic`` value read
  back as the array type, and the result is cast to Proton's type (the arrays' element types,
  or the type ``map(a, b)`` would have), which keeps a ``low_cardinality`` key or value.
* ``array_auc(scores, labels)``: Proton (arrayAUC.cpp) sorts by score, stably, and adds one
  step per label, so tied scores count in their written order (``array_auc([1, 1], [0, 1])``
  is 0, 01202_array_auc_special); chDB's arrayAUC averages ties (0.5).
* ``to_ipv4_or_default(s)`` / ``to_ipv6_or_default(s)`` of a nullable string: Proton gives
  the default for ``''`` and NULL for NULL (02303_cast_nullable_to_custom_types, with
  ``cast_keep_nullable = 1``); chDB gives NULL for both.
* A type name in a string argument (``json_extract(j, 'a', 'float')``,
  ``accurate_cast_or_default(x, 'uint8')``, ``reinterpret(x, 'string')``) is sent in
  ClickHouse's spelling, as CAST's is; an aggregate function's name in a string
  (``array_reduce('sum_state', a)``) as the chDB function it resolves to; ``date_name``'s
  part ``'day_of_year'`` (Proton's dateName.cpp) as chDB's ``'dayofyear'``.
* ``fuzz_bits(s, p)``: Proton flips the bits of every row's value, a constant's too
  (fuzzBits.cpp). chDB folds a constant ``s`` inside a subquery to the unchanged value
  (``SELECT x FROM (SELECT fuzz_bits('\\0\\0', 0.5) AS x)`` read zero bytes, 01284_fuzz_bits),
  so ``s`` is sent through ``materialize``.
* ``bit_test_any(x, p...)`` / ``bit_test_all``: Proton ignores a position past the type's
  width (01082_bit_test_out_of_bound: any reads 0, all 1 for it); chDB refuses it (12). Each
  bit is read by a shift.
* ``timezone_offset(t[, zone])``: Proton's ``DateLUTImpl::timezoneOffset`` gives the zone's
  offset at 1970-01-01 plus the change since, taken into [-12 h, +12 h): the real offset,
  except for zones that moved across the date line since 1970 (Pacific/Kiritimati, +14:00
  now, is -10:00 there; 01252_weird_time_zone). chDB gives the real offset (50400).
* ``json_extract_array(json[, key...])``: Proton unquotes the string elements
  (``['abc', 'xyz']``, FunctionsJSON.cpp); chDB's ``JSONExtractArrayRaw`` keeps them quoted.
"""

from __future__ import annotations

from typing import Optional

from timeplus_emulator.sql.errors import (
    ILLEGAL_TYPE_OF_ARGUMENT,
    NOT_IMPLEMENTED,
    TranslationError,
    runtime_error,
)
from timeplus_emulator.sql.greatest import GREATEST_HELPERS, greatest_helper
from timeplus_emulator.sql.modulo import MODULO, modulo_body
from timeplus_emulator.sql.protoncalls import HELPERS, transform_helper
from timeplus_emulator.sql.tokens import Kind, Token, quote_string, unquote
from timeplus_emulator.sql.topk import TOP_K, TOP_K_HELPER
from timeplus_emulator.sql.types import parse_timeplus_type, render_clickhouse

_UNQUOTE_STRINGS = ("arrayMap(__tp_e -> if(JSONType(__tp_e) = 'String', JSONExtractString(__tp_e), "
                    "__tp_e), JSONExtractArrayRaw({args}))")
# Labels sorted by score, descending, ties in written order; the area counts, for each
# negative, the positives before it; nan where every label is the same (Proton's rule).
_SORTED = ("arrayReverseSort((__tp_l, __tp_s, __tp_i) -> (__tp_s, -__tp_i), "
           "arrayMap(__tp_x -> __tp_x > 0, labels), scores, arrayEnumerate(scores))")
_AREA = (f"arraySum(arrayMap((__tp_b, __tp_c) -> if(__tp_b, 0, __tp_c), {_SORTED}, "
         f"arrayCumSum(arrayMap(__tp_b -> toUInt64(__tp_b), {_SORTED}))))")
_AUC = (f"if(arrayCount({_SORTED}) IN (0, length(scores)), nan, "
        f"{_AREA} / arrayCount({_SORTED}) / (length(scores) - arrayCount({_SORTED})))")
_JSON_ARRAY_KEYS = 2  # json_extract_array(json, key1, key2) at most

_IS_ARRAY = "startsWith(toTypeName({x}), 'Array(')"
_AS_ARRAY_TYPE = (f"if({_IS_ARRAY}, toTypeName({{x}}), "
                  "concat('Array(', toTypeName({x}), ')'))")
_AS_ARRAY = (f"arrayConcat(dynamicElement(CAST({{x}}, 'Dynamic'), {_AS_ARRAY_TYPE}), "
             f"dynamicElement(CAST([{{x}}], 'Dynamic'), {_AS_ARRAY_TYPE}))")
_MAP_FROM_ARRAYS = f"mapFromArrays({_AS_ARRAY.format(x='k')}, {_AS_ARRAY.format(x='v')})"
_MIXED = quote_string(runtime_error(ILLEGAL_TYPE_OF_ARGUMENT)
                      + "Function map_cast requires 2 array of arguments")
_ELEMENT_TYPE = "substring(toTypeName({x}), 7, length(toTypeName({x})) - 7)"
_MAP_CAST2 = (f"CAST(tupleElement(({_MAP_FROM_ARRAYS}, throwIf({_IS_ARRAY.format(x='k')} != "
              f"{_IS_ARRAY.format(x='v')}, {_MIXED})), 1), if({_IS_ARRAY.format(x='k')}, "
              f"concat('Map(', {_ELEMENT_TYPE.format(x='k')}, ', ', "
              f"{_ELEMENT_TYPE.format(x='v')}, ')'), toTypeName(map(k, v))))")

_BIT_POSITIONS = 8  # bit_test_any/bit_test_all with at most this many positions
_BIT_JOIN = {"any": " OR ", "all": " AND "}


def _bit_test_body(kind: str, count: int) -> str:
    """Bit ``p`` of ``x`` as a shift. Proton ignores a position past the type's width (its
    mask gets no bit: bit_test_any reads 0 for it, bit_test_all 1, 01082); chDB refuses such
    a position (12)."""
    tests = (("" if kind == "any" else f"p{i} >= 8 * byteSize(x) OR ")
             + f"bitAnd(bitShiftRight(x, p{i}), 1) = 1" for i in range(1, count + 1))
    tests = (f"({test})" for test in tests)
    return f"toUInt8({_BIT_JOIN[kind].join(tests)})"


_EPOCH_OFFSET = "timezoneOffset(subtractSeconds({t}, toUnixTimestamp({t})))"  # 1970, t's zone
_PROTON_OFFSET = (f"toInt32({_EPOCH_OFFSET} + positiveModulo(timezoneOffset({{t}}) - "
                  f"{_EPOCH_OFFSET} + 43200, 86400) - 43200)")

#: helper name → (Timeplus name shown for it, parameters, body)
CALL_HELPERS: dict[str, tuple[str, str, str]] = {
    **{f"__tp_bit_test_{kind}{n}": (
        f"bit_test_{kind}", "(" + ", ".join(["x", *(f"p{i}" for i in range(1, n + 1))]) + ")",
        _bit_test_body(kind, n))
       for kind in _BIT_JOIN for n in range(1, _BIT_POSITIONS + 1)},
    "__tp_map_from_arrays": ("map_cast", "(k, v)", "mapFromArrays(k, v)"),
    "__tp_map_cast2": ("map_cast", "(k, v)", _MAP_CAST2),
    "__tp_array_auc": ("array_auc", "(scores, labels)", _AUC),
    "__tp_fuzz_bits": ("fuzz_bits", "(s, p)", "fuzzBits(materialize(s), p)"),
    **GREATEST_HELPERS,
    MODULO: ("modulo", "(a, b)", modulo_body()),
    **{f"__tp_ipv{v}_or_default{len(params)}": (
        f"to_ipv{v}_or_default", "(" + ", ".join(params) + ")",
        f"if(s IS NULL, toIPv{v}OrDefault({', '.join(params)}), "
        f"toIPv{v}OrDefault({', '.join(['assumeNotNull(s)', *params[1:]])}))")
       for v in (4, 6) for params in (["s"], ["s", "d"])},
    **{f"__tp_json_array{n}": (
        "json_extract_array", "(" + ", ".join(["j", *(f"k{i}" for i in range(1, n))]) + ")",
        _UNQUOTE_STRINGS.format(args=", ".join(["j", *(f"k{i}" for i in range(1, n))])))
       for n in range(1, _JSON_ARRAY_KEYS + 2)},
    TOP_K: TOP_K_HELPER,
    "__tp_timezone_offset1": ("timezone_offset", "(t)", _PROTON_OFFSET.format(t="t")),
    "__tp_timezone_offset2": ("timezone_offset", "(t, z)",
                              _PROTON_OFFSET.format(t="toTimeZone(t, z)")),
    **HELPERS,
}


def _literal(tokens: list[Token], *kinds: Kind) -> bool:
    """One literal token of one of ``kinds`` (a leading minus allowed for numbers)."""
    if len(tokens) == 2 and tokens[0].is_op("-"):
        tokens = tokens[1:]
    return len(tokens) == 1 and tokens[0].kind in kinds


def _array_literal(tokens: list[Token]) -> bool:
    """``[...]`` as one whole argument."""
    depth = 0
    for i, tok in enumerate(tokens):
        depth += tok.is_op("(", "[") - tok.is_op(")", "]")
        if depth == 0:
            return i == len(tokens) - 1 and tokens[0].is_op("[")
    return False


def _map_cast_helper(args: list[list[Token]]) -> Optional[str]:
    """Literals decide at once (chDB folds them, as INSERT ... VALUES needs); the types of
    other arguments are chosen by the helper while chDB plans."""
    scalars = [_literal(arg, Kind.STRING, Kind.NUMBER) for arg in args]
    arrays = [_array_literal(arg) for arg in args]
    if all(scalars):
        return None
    if all(arrays):
        return "__tp_map_from_arrays"
    if any(scalars) and any(arrays):
        raise TranslationError(ILLEGAL_TYPE_OF_ARGUMENT,
                               "Function map_cast requires 2 array of arguments")
    return "__tp_map_cast2"


def helper_for(name: str, args: list[list[Token]]) -> Optional[str]:
    """The helper a call of Timeplus function ``name`` (lower case) with these argument
    tokens must use instead of its table entry, or None; raises 48 where none fits."""
    if name == "map_cast" and len(args) == 2:
        return _map_cast_helper(args)
    if name == "array_auc":
        return "__tp_array_auc"
    if name in ("bit_test_any", "bit_test_all") and 2 <= len(args) <= _BIT_POSITIONS + 1:
        return f"__tp_{name}{len(args) - 1}"
    if name == "transform":
        return transform_helper(name, args)
    if name == "timezone_offset" and len(args) in (1, 2):
        return f"__tp_timezone_offset{len(args)}"
    if name == "fuzz_bits" and len(args) == 2:
        return "__tp_fuzz_bits"
    if name == "greatest":
        return greatest_helper(args)
    if name == "modulo" and len(args) == 2:
        return MODULO
    if name in ("to_ipv4_or_default", "to_ipv6_or_default") and len(args) in (1, 2):
        return f"__tp_{name[3:7]}_or_default{len(args)}"
    if name == "json_extract_array":
        if len(args) > _JSON_ARRAY_KEYS + 1:
            raise TranslationError(
                NOT_IMPLEMENTED, f"json_extract_array with more than {_JSON_ARRAY_KEYS} keys is "
                "not supported by the emulator")
        return f"__tp_json_array{len(args)}" if args else None
    return None


def argument_texts(name: str, args: list[list[Token]], texts: list[str]) -> list[str]:
    """The argument texts to send for a call of ``name`` (lower case): ``to_time(s, 'zone')``
    gets the precision chDB expects before the zone; type, aggregate and date part names in
    string arguments are spelt as chDB expects."""
    if name == "to_time" and len(args) == 2 and _literal(args[1], Kind.STRING):
        return [texts[0], " 3", texts[1]]
    index = _string_argument(name, args)
    if index is not None:
        text = texts[index]
        texts = [*texts[:index], text[: len(text) - len(text.lstrip())] + _converted(name, text),
                 *texts[index + 1:]]
    return texts


#: Timeplus functions with a type name in a string argument: its position (-1: the last).
_TYPE_ARGUMENT = {"json_extract": -1, "json_extract_keys_and_values": -1,
                  "accurate_cast_or_default": 1, "reinterpret": 1,
                  "default_value_of_type_name": 0}
#: ... with an aggregate function's name in a string argument (the first).
_AGGREGATE_ARGUMENT = frozenset({"array_reduce", "array_reduce_in_ranges",
                                 "initialize_aggregation"})
_DATE_NAME_PARTS = {"day_of_year": "dayofyear"}


def _string_argument(name: str, args: list[list[Token]]) -> Optional[int]:
    """Index of the literal string argument of ``name`` that names a type, an aggregate
    function or a date part, or None."""
    position = _TYPE_ARGUMENT.get(name)
    if position is not None and len(args) > max(position, 1 if position < 0 else 0):
        index = position % len(args)
    elif name in _AGGREGATE_ARGUMENT or name == "date_name":
        index = 0
    else:
        return None
    return index if args and _literal(args[index], Kind.STRING) else None


def _converted(name: str, text: str) -> str:
    """The ClickHouse spelling of the string literal ``text`` for a call of ``name``."""
    from timeplus_emulator.sql.functions import resolve_function

    value = unquote(text.strip())
    if name in _AGGREGATE_ARGUMENT:  # 'quantile(0.9)': the parameters follow the name
        function, bracket, rest = value.partition("(")
        return quote_string(resolve_function(function.strip()).ch_name + bracket + rest)
    if name == "date_name":
        return quote_string(_DATE_NAME_PARTS.get(value, value))
    return quote_string(render_clickhouse(parse_timeplus_type(value)))

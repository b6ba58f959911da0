"""The one type parser (no server)."""

import pytest

from timeplus_dbapi.typesystem import TypeParseError, TypeSpec, parse_type


@pytest.mark.parametrize(
    "text, canonical",
    [
        ("int32", "int32"),
        ("INT", "int32"),
        ("bigint", "int64"),
        ("UInt64", "uint64"),
        ("String", "string"),
        ("varchar", "string"),
        ("DateTime64(3, 'UTC')", "datetime64(3, 'UTC')"),
        ("LowCardinality(Nullable(String))", "low_cardinality(nullable(string))"),
        ("FixedString(16)", "fixed_string(16)"),
        ("decimal(10, 2)", "decimal(10, 2)"),
        ("map(string, array(nullable(float64)))", "map(string, array(nullable(float64)))"),
        ("tuple(a int32, b string)", "tuple(a int32, b string)"),
        ("tuple(int8, string)", "tuple(int8, string)"),
        ("enum8('a' = 1, 'b\\'c' = -2)", "enum8('a' = 1, 'b\\'c' = -2)"),
        ("aggregate_function(sum, int64)", "aggregate_function('sum', int64)"),
        ("boolean", "bool"),
        ("IPv6", "ipv6"),
    ],
)
def test_canonical_rendering(text, canonical):
    assert str(parse_type(text)) == canonical


def test_structure_of_nested_types():
    spec = parse_type("low_cardinality(nullable(string))")
    assert spec.name == "low_cardinality"
    assert spec.is_nullable
    assert spec.unwrap() == TypeSpec("string")
    named = parse_type("tuple(x uint8, `weird name` string)")
    assert named.field_names == ("x", "weird name")
    assert named.args == (TypeSpec("uint8"), TypeSpec("string"))
    dt = parse_type("datetime64(6, 'Asia/Shanghai')")
    assert dt.args == (6, "Asia/Shanghai")
    enum = parse_type("enum16('x' = 1000)")
    assert enum.enum_values == (("x", 1000),)


@pytest.mark.parametrize(
    "text",
    ["", "timestamp", "int32(", "array(int32", "nullable(string) extra", "map(string,,int8)", "1"],
)
def test_invalid_type_strings_raise(text):
    with pytest.raises(TypeParseError):
        parse_type(text)

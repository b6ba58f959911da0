"""Function names checked one by one against Proton's registrations (docs/emulator-functions.md).

Each expected value comes from Timeplus's docs (repo timeplus-io/docs, functions_*.md),
Proton's stateless test references (tests/queries_ported/0_stateless/*.reference), its
stream smoke tests (tests/stream/test_stream_smoke) or its function sources, written out by
hand here; the source is named beside each case.
"""

from __future__ import annotations

from typing import Any

import pytest


def one_row(api: Any, sql: str) -> tuple[list[str], list[Any]]:
    stream = api.query(sql)
    try:
        rows = stream.rows()
        assert stream.final is not None and stream.final["status"] == "finished", stream.final
        assert len(rows) == 1, rows
        return [c["type"] for c in stream.header], rows[0]
    finally:
        stream.close()


def test_to_decimal_is_decimal32(api: Any) -> None:
    # docs functions_for_type.md: to_decimal('3.1415926', 2) gets 3.14; FunctionsConversion.h:
    # to_decimal is FunctionConvert<DataTypeDecimal<Decimal32>, ...>, i.e. decimal(9, scale)
    types, row = one_row(api, "SELECT to_decimal('3.1415926', 2), "
                              "to_type_name(to_decimal('3.1415926', 2))")
    assert row == ["3.14", "decimal(9, 2)"]
    assert types[0] == "decimal(9, 2)"
    # 10^8 does not fit decimal(9, 2): Proton's conversion throws DECIMAL_OVERFLOW (407);
    # decimal(18, 2) would hold it
    overflow = api.post("/queries", json={"sql": "SELECT to_decimal(100000000, 2)"})
    assert api.error(overflow, 400)["code"] == 407


def test_locate_is_position_haystack_first(api: Any) -> None:
    # Proton registers locate as an alias of position (haystack, needle); chDB's locate takes
    # the needle first (MySQL) and would answer 0 here
    assert one_row(api, "SELECT locate('abcabc', 'b'), position('abcabc', 'b')")[1] == ["2", "2"]


def test_cast_spellings_of_array_tuple_map(api: Any) -> None:
    # 01602_array_aggregation.reference: 'Array min 1', 'Array sum 21'
    assert one_row(api, "SELECT array_min(array_cast(1,2,3,4,5,6)), "
                        "array_sum(array_cast(1,2,3,4,5,6))")[1] == [1, "21"]
    # docs functions_for_comp.md: map_cast(['k1','k2'],[91,95]) gets {'k1':91,'k2':95};
    # map_cast(key1, value1, key2, value2); tuple_cast(item1, item2)
    types, row = one_row(api, "SELECT map_cast(['k1','k2'],[91,95]), map_cast('a', 1, 'b', 2), "
                              "tuple_cast(1, 'x')")
    assert row == [{"k1": 91, "k2": 95}, {"a": 1, "b": 2}, [1, "x"]]
    assert types[0] == "map(string, uint8)"


def test_map_cast_of_two_values_that_are_no_literals(api: Any) -> None:
    # map.cpp: two arguments make a map from two arrays only when both are arrays; other
    # arguments are key, value pairs, whatever their form (column, expression)
    name = api.create_stream(
        "k string, v int32, ks array(string), vs array(low_cardinality(string))")
    api.ingest(name, ["k", "v", "ks", "vs"], [["a", 7, ["x", "y"], ["p", "q"]]])
    types, row = one_row(api, f"SELECT map_cast(k, v), map_cast(upper(k), v + 1), "
                              f"map_cast(ks, vs), map_cast(k, 1) FROM table({name})")
    assert row == [{"a": 7}, {"A": "8"}, {"x": "p", "y": "q"}, {"a": 1}]  # int64 quoted
    assert types == ["map(string, int32)", "map(string, int64)",
                     "map(string, low_cardinality(string))", "map(string, uint8)"]


@pytest.mark.parametrize("call", ["map_cast('a', ks)", "map_cast(ks, 'a')",
                                  "map_cast(ks, map_cast('a', 1))"])
def test_map_cast_of_an_array_and_a_non_array_is_refused(api: Any, call: str) -> None:
    # map.cpp: "Function map_cast requires 2 array of arguments", ILLEGAL_TYPE_OF_ARGUMENT (43)
    name = api.create_stream("ks array(string)")
    api.ingest(name, ["ks"], [[["x"]]])
    response = api.post("/queries", json={"sql": f"SELECT {call} FROM table({name})"})
    error = api.error(response, 400)
    assert error["code"] == 43
    assert "requires 2 array of arguments" in error["message"]


def test_to_time_with_a_time_zone(api: Any) -> None:
    # docs functions_for_datetime.md (to_timezone): to_time('2022-05-16', 'America/New_York')
    # is 2022-05-16 00:00:00.000 there and 2022-05-16 04:00:00.000 in UTC
    types, row = one_row(api, "SELECT to_time('2022-05-16', 'America/New_York') AS t1, "
                              "to_timezone(t1, 'UTC') AS t2")
    assert types == ["datetime64(3, 'America/New_York')", "datetime64(3, 'UTC')"]
    assert [str(v)[:23] for v in row] == ["2022-05-16 00:00:00.000", "2022-05-16 04:00:00.000"]


def test_json_extract_array_unquotes_strings(api: Any) -> None:
    # test_stream_smoke/0007_type_and_func_case.json, case 28 (json_extrac_array)
    stream = api.query("SELECT json_extract_array('[1, 2]'), "
                       "json_extract_array('[\"abc\", \"xyz\"]'), "
                       "json_extract_array('{\"a\":1,\"tags\":[\"x\",\"y\"]}', 'tags')")
    try:
        rows = stream.rows()
        names = [c["name"] for c in stream.header]
    finally:
        stream.close()
    assert rows == [[["1", "2"], ["abc", "xyz"], ["x", "y"]]]
    assert all(name.startswith("json_extract_array(") for name in names), names


def test_functions_proton_registers_under_computed_names(api: Any) -> None:
    # 01940_pad_string.reference, 02027_ngrams.reference, 02028_tokens.reference
    assert one_row(api, "SELECT left_pad('abc', 5, '*'), right_pad('abc', 5, '*'), lpad('abc', 4), "
                        "ngrams('Test', 2), tokens('test1, test2, test3')")[1] == \
        ["**abc", "abc**", " abc", ["Te", "es", "st"], ["test1", "test2", "test3"]]
    # vectorFunctions.cpp: scalar_product aliases dot_product, vector_sum tuple_plus
    assert one_row(api, "SELECT scalar_product((1, 2), (3, 4)), vector_sum((1, 2), (3, 4)), "
                        "vector_difference((5, 5), (1, 2))")[1] == [11, [4, 6], [4, 3]]


@pytest.mark.parametrize("name", [
    # transform, label and setting names in Proton's sources, not registered functions
    "to_date32", "l2", "cosine", "to_relative_subsecond_num", "urlp_ath_hierarchy",
])
def test_words_proton_does_not_register_are_unknown_functions(api: Any, name: str) -> None:
    error = api.error(api.post("/queries", json={"sql": f"SELECT {name}('2020-01-01')"}), 400)
    assert error["code"] == 46 and name in error["message"], error


def test_json_extract_array_with_many_keys_is_refused(api: Any) -> None:
    sql = "SELECT json_extract_array('{}', 'a', 'b', 'c')"
    error = api.query_error(sql)
    assert error["code"] == 48 and "json_extract_array" in error["message"], error



def test_h3_functions_take_and_give_longitude_first(api: Any) -> None:
    # Proton tests/queries/0_stateless/00926_geo_to_h3 and 01906_h3_to_geo (.reference)
    types, row = one_row(api, "SELECT geo_to_h3(37.63098076, 55.77922738, 15), "
                              "round(h3_to_geo(579205133326352383).1, 3), "
                              "round(h3_to_geo(579205133326352383).2, 3), "
                              "h3_to_geo(579205133326352383)")
    assert row[:3] == ["644325529094369568", -173.641, -14.13]
    # h3toGeo.cpp: tuple(float64, float64) named longitude, latitude
    assert types[3] == "tuple(longitude float64, latitude float64)"


def test_no_variant_supertype(api: Any) -> None:
    # Proton has no variant type: a number beside a string has no supertype (386)
    error = api.error(api.post("/queries", json={"sql": "SELECT if(1 = 1, 1, 'a')"}), 400)
    assert error["code"] == 386, error


@pytest.mark.parametrize("sql", ["SELECT tuple(1, 2)", "SELECT array(1, 2)", "SELECT map('a', 1)"])
def test_array_tuple_map_are_not_function_names(api: Any, sql: str) -> None:
    # Proton registers them as array_cast/tuple_cast/map_cast (array.cpp, tuple.cpp, map.cpp;
    # [1, 2] parses as array_cast): the plain names are unknown functions there
    error = api.query_error(sql)
    assert error["code"] == 46, error


def test_functions_registered_under_computed_names_ip_and_left(api: Any) -> None:
    # 02159_left_right.reference: left('Hello', 3) is Hel, left('Hello', -3) He;
    # 02234_cast_to_ip_address.reference: 0, \N, then 2130706433 for 127.0.0.1
    assert one_row(api, "SELECT left('Hello', 3), left('Hello', -3), "
                        "ipv4_string_to_num_or_default('test'), "
                        "ipv4_string_to_num_or_null('test'), "
                        "ipv4_string_to_num('127.0.0.1')")[1] == \
        ["Hel", "He", 0, None, 2130706433]


@pytest.mark.parametrize("name", ["cramers_v", "theils_u", "contingency"])
def test_statistics_that_answer_differently_are_refused(api: Any, name: str) -> None:
    # 02158_contingency.reference: Proton's theils_u(a, b) is -1 where chDB's answers 1
    sql = f"SELECT {name}(number % 3, number % 5) FROM numbers(150)"
    error = api.query_error(sql)
    assert error["code"] == 48 and name in error["message"], error


def test_array_auc_counts_ties_in_written_order(api: Any) -> None:
    # 01202_array_auc_special.reference (chDB's arrayAUC gives 0.5 for the first and 0.75
    # for the fourth); 01064_array_auc: the classic example is 0.75
    row = one_row(api, "SELECT array_auc([1, 1], [0, 1]), array_auc([0, 1], [0, 1]), "
                       "array_auc([1, 0], [0, 1]), array_auc([0, 0, 1], [0, 1, 1]), "
                       "array_auc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]), "
                       "to_string(array_auc([1, 1], [1, 1]))")[1]
    assert row == [0, 1, 0, 0.5, 0.75, "nan"]


def test_type_aggregate_and_date_part_names_in_string_arguments(api: Any) -> None:
    # 01685_json_extract_double_as_float: 'float' is float32, 'double' float64 (value 1.1);
    # 02013_json_function_null_column: 'nullable(string)' of null is NULL;
    # 02026_accurate_cast_or_default.reference: 0, 5; 01811_datename: day_of_year is 104
    types, row = one_row(api, "SELECT json_extract('{\"v\":1.1}', 'v', 'double'), "
                              "json_extract('{\"v\":1.1}', 'v', 'float'), "
                              "json_extract('{\"s\":null}', 's', 'nullable(string)'), "
                              "accurate_cast_or_default(-1, 'uint8'), "
                              "accurate_cast_or_default(5, 'uint8'), "
                              "date_name('day_of_year', to_date('2021-04-14'))")
    assert types[:3] == ["float64", "float32", "nullable(string)"]
    assert row[0] == 1.1 and row[2:] == [None, 0, 5, "104"]
    # an aggregate named in a string, parameters included (Proton's array_reduce takes its
    # own names: 01052_array_reduce_exception uses 'agg_throw(0.0001)')
    assert one_row(api, "SELECT finalize_aggregation(array_reduce('sum_state', [1, 2])), "
                        "array_reduce('unique_exact', [1, 1, 2]), "
                        "array_reduce('quantile(0.5)', [1, 2, 3])")[1] == ["3", "2", 2]


def test_parametric_aggregates_take_trailing_levels(api: Any) -> None:
    # Proton's ExpressionAnalyzer turns quantile*(x[, y], levels...) into quantile*(levels)(x[, y]):
    # 99002_function_quantile (quantile(f, 0.9) of 100..500 is 460); quantiles(x, 0.5, 0.9) and
    # quantile_deterministic(x, d, 0.9) keep their value arguments (d was taken for a level)
    assert one_row(api, "SELECT quantile(f, 0.9), quantiles(f, 0.5, 0.9), "
                        "quantile_deterministic(f, 1, 0.9) "
                        "FROM (SELECT array_join([100, 200, 300, 400, 500]) AS f)")[1] == \
        [460, [300, 460], 460]


def test_ip_or_default_of_a_nullable_empty_string(api: Any) -> None:
    # 02303_cast_nullable_to_custom_types.reference (SET cast_keep_nullable = 1): NULL stays
    # NULL, '' gives the default 0.0.0.0 / :: (chDB gave NULL for both)
    rows = api.table("SELECT to_ipv4_or_default(number % 2 ? '' : NULL), "
                     "to_ipv6_or_default(number % 2 ? '' : NULL) FROM numbers(2) "
                     "SETTINGS cast_keep_nullable = 1")
    assert rows == [[None, None], ["0.0.0.0", "::"]]

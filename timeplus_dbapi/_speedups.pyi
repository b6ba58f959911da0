from typing import Any

KIND_CALL: int
KIND_IDENTITY: int
KIND_INT: int
KIND_FLOAT: int
KIND_DATETIME: int
KIND_NULLABLE: int

def convert_rows(
    rows: list[list[Any]],
    kinds: tuple[int, ...],
    converters: tuple[Any, ...],
    zones: tuple[Any, ...],
    /,
) -> list[tuple[Any, ...]]: ...
def has_bare_negative_zero(data: bytes, /) -> bool: ...
def holds_int_zero(rows: list[list[Any]], columns: tuple[int, ...], /) -> bool: ...

"""``top_k(x, k [, with_count [, load_factor]])``: Proton's answer, ties in Proton's order.

Owns: the chDB text of a ``top_k`` call. Proton's top_k is a SpaceSaving list of
``k * load_factor`` counters (SpaceSaving.h). While every distinct value has a counter, its
counts are exact, and the list is kept ordered by a bubble step that moves a counter up only
past smaller counts: values with equal counts stay in the order in which they reached that
count, which is the order of their last occurrences. chDB's topK orders such ties otherwise
(``[(a, 2), (b, 2)]`` where Proton lists ``b`` first for a, b, b, a, c). So the emulator
counts exactly from the values in input order (``groupArray``) and sorts by count, then
by last occurrence. Beyond ``k * load_factor`` distinct values Proton's counts are
approximate; the emulator's stay exact. ``top_k_weighted`` keeps chDB's topKWeighted.
"""

from __future__ import annotations

from timeplus_emulator.sql.errors import BAD_ARGUMENTS, TranslationError

TOP_K = "__tp_top_k"
# (value, count, first position, 1 at the value's last occurrence): the last occurrences
# carry each value's full count; sorted by count, then by that position
_ENTRIES = ("arrayMap((v, n, i, r) -> (v, toUInt64(n), i, r), a, arrayEnumerateUniq(a), "
            "arrayEnumerate(a), arrayReverse(arrayEnumerateUniq(arrayReverse(a))))")
TOP_K_HELPER = ("top_k", "(a, k)",
                f"arraySlice(arraySort(e -> (-toInt64(e.2), e.3), arrayFilter(e -> e.4 = 1, "
                f"{_ENTRIES})), 1, k)")


def top_k_call(name: str, texts: list[str]) -> str:
    """chDB text of ``top_k``/``top_k_weighted`` with the arguments' texts, without the
    closing parenthesis (the caller adds it)."""
    values = 2 if name == "top_k_weighted" else 1
    if len(texts) < values + 1:
        raise TranslationError(
            BAD_ARGUMENTS, f"Function {name} requires at least {values + 1} arguments")
    k = texts[values].strip()
    with_count = texts[values + 1].strip().lower() if len(texts) > values + 1 else "true"
    counted = with_count not in ("false", "0")
    if values == 2:
        load = texts[values + 2].strip() if len(texts) > values + 2 else "1000"  # Proton's
        weighted = f"topKWeighted({k}, {load}, 'counts')({texts[0]},{texts[1]})"
        return f"arrayMap(__tp_t -> {'(__tp_t.1, __tp_t.2)' if counted else '__tp_t.1'}, {weighted}"
    return (f"arrayMap(__tp_t -> {'(__tp_t.1, __tp_t.2)' if counted else '__tp_t.1'}, "
            f"{TOP_K}(groupArray({texts[0]}), {k})")

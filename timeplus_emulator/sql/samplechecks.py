"""Rank statistics that Proton refuses for a sample whose values are all the same.

Owns: the wrapper around ``rank_corr(x, y)`` and ``mann_whitney_utest(sample, index)`` that
raises Proton's 36 where chDB answers, and its helper function (``CREATE FUNCTION``).

Proton ranks each sample with ``computeRanksAndTieCorrection`` (StatCommon.h), which raises 36,
"All numbers in both samples are identical", when every value of the sample it ranks is the
same, a single value included: ``rank_corr`` ranks ``x`` and ``y`` apart, ``mann_whitney_utest``
both samples together. chDB answers instead (``rank_corr(number, 0.5)`` is 0.5, a one-row frame
nan; 01802_rank_corr_mann_whitney_over_window). The call is sent with the check beside it:
``count() > 0 AND (min(x) = max(x) OR ...)``, each aggregate with the call's own ``OVER``
clause when it has one, so a window checks each frame.
"""

from __future__ import annotations

from typing import Optional

from timeplus_emulator.sql.errors import BAD_ARGUMENTS, check_copied, runtime_error
from timeplus_emulator.sql.tokens import quote_string

SAMPLE_CHECK = "__tp_sample_check"  # (result, refused, message): result, or the error
#: chDB aggregate -> how many of its first arguments are ranked on their own
RANKED_ARGUMENTS = {"rankCorr": 2, "mannWhitneyUTest": 1}
_MESSAGE = runtime_error(BAD_ARGUMENTS) + "All numbers in both samples are identical"


def sample_check_ddl() -> str:
    """``CREATE FUNCTION`` of the wrapper."""
    return (f"CREATE OR REPLACE FUNCTION {SAMPLE_CHECK} AS (r, refused, m) -> "
            "tupleElement((r, throwIf(ifNull(refused, 0), m)), 1)")


def sample_checked(ch_call: str, arg_texts: list[str], over: str = "") -> Optional[str]:
    """``ch_call`` (a whole call, its ``over`` clause after it) with Proton's check, or None
    for calls that need none."""
    ch_name = ch_call.partition("(")[0].strip()
    ranked = RANKED_ARGUMENTS.get(ch_name)
    if ranked is None or len(arg_texts) < ranked:
        return None
    texts = [check_copied(text.strip(), "rank_corr/mann_whitney_utest")
             for text in arg_texts[:ranked]]
    same = " OR ".join(f"min({text}){over} = max({text}){over}" for text in texts)
    refused = f"count(){over} > 0 AND ({same})"
    return f"{SAMPLE_CHECK}({ch_call}{over}, {refused}, {quote_string(_MESSAGE)})"

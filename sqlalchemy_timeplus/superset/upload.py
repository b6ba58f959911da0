"""Superset file uploads into Timeplus streams: which ``to_sql`` options an upload may use,
and the frame :func:`sqlalchemy_timeplus.pandas.write_frame` then writes
(``TimeplusEngineSpec.df_to_sql``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Optional, Union

from superset.exceptions import SupersetException

from ..base import TimeplusBaseDialect

if TYPE_CHECKING:
    import pandas as pd
    from superset.sql.parse import Table

__all__ = ["UploadOptions", "frame_to_upload", "refuse_sub_microsecond_times", "upload_options"]


@dataclass(frozen=True)
class UploadOptions:
    """What ``df_to_sql`` honours of Superset's ``to_sql_kwargs``."""

    if_exists: str
    index: bool
    index_label: Optional[Union[str, Sequence[str]]]


# to_sql keywords an upload may bring (chunksize and method are not needed by write_frame)
_UPLOAD_KWARGS = frozenset(
    {"name", "schema", "if_exists", "index", "index_label", "dtype", "chunksize", "method"}
)
_IF_EXISTS = ("fail", "replace", "append")
_RESERVED_PREFIX = "_tp_"


def upload_options(table: Table, to_sql_kwargs: dict[str, Any]) -> UploadOptions:
    """Check ``to_sql_kwargs`` and the target ``table`` for what a Timeplus upload can do."""
    unknown = sorted(set(to_sql_kwargs) - _UPLOAD_KWARGS)
    if unknown:
        raise SupersetException(f"Timeplus uploads do not support the options {unknown}")
    default = TimeplusBaseDialect.default_schema_name
    for schema in (table.schema, to_sql_kwargs.get("schema")):
        if schema not in (None, "", default):
            raise SupersetException(
                f"Timeplus uploads go to the {default!r} database only: the REST ingest "
                f"endpoint cannot write to streams of database {schema!r}"
            )
    if to_sql_kwargs.get("dtype"):
        raise SupersetException(
            "Timeplus uploads do not take column types (dtype): the stream's types are "
            "inferred from the file's data"
        )
    if_exists = str(to_sql_kwargs.get("if_exists", "fail"))
    if if_exists not in _IF_EXISTS:
        raise SupersetException(
            f"if_exists={if_exists!r} is not one of {', '.join(_IF_EXISTS)} for a Timeplus upload"
        )
    index = bool(to_sql_kwargs.get("index", False))
    return UploadOptions(if_exists, index, to_sql_kwargs.get("index_label") if index else None)


def frame_to_upload(df: pd.DataFrame, options: UploadOptions) -> pd.DataFrame:
    """``df`` with its index as leading columns when asked (named by ``index_label``, else as
    ``to_sql`` names them); refuses column names Timeplus reserves or repeats."""
    frame = df
    if options.index:
        label = options.index_label
        if label is not None:
            labels = [label] if isinstance(label, str) else list(label)
            if len(labels) != frame.index.nlevels:
                raise SupersetException(
                    f"index_label names {len(labels)} columns for an index of "
                    f"{frame.index.nlevels} levels"
                )
            frame = frame.rename_axis(labels)
        names = [str(name) for name in frame.columns]
        clash = sorted(set(names) & {str(name) for name in frame.index.names if name is not None})
        if clash:
            raise SupersetException(f"the index label {clash[0]!r} is also a column of the file")
        frame = frame.reset_index()
    names = [str(name) for name in frame.columns]
    reserved = [name for name in names if name.startswith(_RESERVED_PREFIX)]
    if reserved:
        raise SupersetException(
            f"column {reserved[0]!r}: Timeplus reserves column names starting with "
            f"{_RESERVED_PREFIX!r} (every stream has its own _tp_time); rename it"
        )
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise SupersetException(f"column {repeated[0]!r} appears more than once")
    return frame


def refuse_sub_microsecond_times(frame: pd.DataFrame) -> None:
    """Refuse datetime columns with times finer than the microsecond a new stream keeps."""
    import pandas as pd

    for label, series in frame.items():
        dtype = series.dtype
        if not (isinstance(dtype, pd.DatetimeTZDtype) or getattr(dtype, "kind", "") == "M"):
            continue
        times = series.dropna()
        finer = times.dt.nanosecond != 0
        if bool(finer.any()):
            raise SupersetException(
                f"column {str(label)!r} has times finer than a microsecond "
                f"({times[finer].iloc[0]}); a stream created by an upload stores datetime64(6): "
                "round them, or create the stream with datetime64(9) and append"
            )

"""Apache Superset support: the ``timeplus`` engine spec and what it needs.

* :mod:`.engine_spec`: :class:`TimeplusEngineSpec` (the ``superset.db_engine_specs`` entry
  point ``sqlalchemy_timeplus.superset:TimeplusEngineSpec``);
* :mod:`.column_types`, :mod:`.errors`, :mod:`.table_metadata`, :mod:`.upload`: its parts that
  need Superset;
* Superset-free helpers, usable and tested without Superset: time grains and literals in
  :mod:`sqlalchemy_timeplus.superset_sql`, result expansion in
  :mod:`sqlalchemy_timeplus.superset_results`, SQL Lab parsing in
  :mod:`sqlalchemy_timeplus.sqlglot_dialect` (registered in Superset's engine -> dialect table
  when this package is imported).
"""

from __future__ import annotations

import logging

from .engine_spec import TimeplusEngineSpec
from .upload import UploadOptions, frame_to_upload, refuse_sub_microsecond_times, upload_options

__all__ = [
    "TimeplusEngineSpec",
    "UploadOptions",
    "frame_to_upload",
    "refuse_sub_microsecond_times",
    "upload_options",
]

logger = logging.getLogger(__name__)


def _register_sqlglot_dialect() -> None:
    """Map Superset's engine name ``timeplus`` to the Timeplus sqlglot dialect (SQL Lab parsing)."""
    try:
        from superset.sql.parse import SQLGLOT_DIALECTS

        from ..sqlglot_dialect import Timeplus
    except ImportError:  # Superset before 5.0 has no such table; sqlglot missing
        logger.debug("Superset/sqlglot without an engine -> dialect table; not registering")
        return
    SQLGLOT_DIALECTS.setdefault(TimeplusEngineSpec.engine, Timeplus)


_register_sqlglot_dialect()

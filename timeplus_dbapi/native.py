"""The optional C accelerator, :mod:`timeplus_dbapi._speedups`, when it was built.

``speedups`` is the module, or None when it is missing (no C compiler at install time) or when
``TIMEPLUS_DBAPI_PURE_PYTHON`` is set to anything but ``0``: the pure-Python code then does the
same work and gives the same values. Only :mod:`timeplus_dbapi.converters` and
:mod:`timeplus_dbapi.protocol.jsoncodec` use it.
"""

from __future__ import annotations

import os
from types import ModuleType
from typing import Optional

__all__ = ["PURE_PYTHON_ENV", "speedups"]

PURE_PYTHON_ENV = "TIMEPLUS_DBAPI_PURE_PYTHON"


def _load() -> Optional[ModuleType]:
    if os.environ.get(PURE_PYTHON_ENV, "0") != "0":
        return None
    try:
        from . import _speedups
    except ImportError:  # built without a C compiler: the pure-Python path
        return None
    return _speedups


speedups: Optional[ModuleType] = _load()

"""The stock env.py of ``alembic init`` runs ``logging.config.fileConfig``, which disables every
logger that exists and replaces the root logger's handlers and level. Each test here gets the
logging state back as it found it, so tests that read our loggers (caplog) later in the same
process still see them."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest


def _snapshot() -> dict[str, Any]:
    loggers = {name: logger for name, logger in logging.root.manager.loggerDict.items()
               if isinstance(logger, logging.Logger)}
    return {
        "root": (logging.root.level, list(logging.root.handlers)),
        "loggers": {name: (logger.disabled, logger.level, list(logger.handlers), logger.propagate)
                    for name, logger in loggers.items()},
    }


@pytest.fixture(autouse=True)
def _logging_restored() -> Iterator[None]:
    before = _snapshot()
    yield
    level, handlers = before["root"]
    logging.root.setLevel(level)
    logging.root.handlers[:] = handlers
    for name, logger in logging.root.manager.loggerDict.items():
        if not isinstance(logger, logging.Logger):
            continue
        if name in before["loggers"]:
            logger.disabled, logger.level, old_handlers, logger.propagate = before["loggers"][name]
            logger.handlers[:] = old_handlers
        else:
            logger.disabled = False

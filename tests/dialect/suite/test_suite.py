"""SQLAlchemy's own dialect compliance suite; exclusions live in requirements.py."""

from sqlalchemy.testing.suite import *  # noqa: F403

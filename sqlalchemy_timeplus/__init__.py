"""SQLAlchemy dialect for Timeplus."""

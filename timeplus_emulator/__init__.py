"""A local Timeplus REST API v1beta2 server backed by chDB."""

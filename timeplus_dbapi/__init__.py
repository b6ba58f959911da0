"""PEP 249 driver for Timeplus over its REST API v1beta2."""

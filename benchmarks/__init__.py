"""Benchmarks of the driver against the original Timeplus SDK and the raw HTTP limit.

Run everything with ``python -m benchmarks`` (see ``benchmarks.run``).
"""

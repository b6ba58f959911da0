"""Wire protocol of the Timeplus REST API v1beta2: HTTP session, SSE framing, query event
streams and ingest payloads. Knows nothing of PEP 249; failures are ``protocol.errors`` classes."""

"""Superset configuration for the end-to-end check (``run_e2e.sh``); not for production use.

Everything that differs per run comes from the environment the script sets: the metadata
database path and a random secret key.
"""

import os

SECRET_KEY = os.environ["SUPERSET_SECRET_KEY"]
SQLALCHEMY_DATABASE_URI = "sqlite:///" + os.environ["TIMEPLUS_E2E_METADATA_DB"]

# The check drives the REST API with a Flask test client and a JWT; no browser forms to protect.
WTF_CSRF_ENABLED = False
# Plain-HTTP local server for the screenshot.
TALISMAN_ENABLED = False
# Keep the run quiet and offline.
SHOW_STACKTRACE = True
ENABLE_PROXY_FIX = False
# PRESTO_EXPAND_DATA: SQL Lab may ask any engine spec to expand nested values (Timeplus arrays,
# tuples, maps), despite the name.
# ESTIMATE_QUERY_COST: SQL Lab's "Estimate cost" button (with "cost_estimate_enabled": true in a
# database's Extra).
FEATURE_FLAGS = {"ALERT_REPORTS": False, "PRESTO_EXPAND_DATA": True, "ESTIMATE_QUERY_COST": True}

# Not needed: importing the Timeplus engine spec registers its sqlglot dialect. A deployment that
# wants it explicit can write:
#   from sqlalchemy_timeplus.sqlglot_dialect import Timeplus
#   SQLGLOT_DIALECTS_EXTENSIONS = {"timeplus": Timeplus}

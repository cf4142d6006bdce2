#!/usr/bin/env bash
# Runs every check sitetwin has, on a fresh Debian machine or a developer's: installs what the
# tests need (Mesa's lavapipe Vulkan driver for offscreen rendering, Xvfb for the real-window test,
# Node.js for the Khronos glTF validator, Debian's assimp-testmodels for the importer's tests on
# glTF 1.0 and other formats, Mosquitto and its clients for the gateway's MQTT tests, each test
# starting its own broker on a free loopback port, PostgreSQL for the gateway's server store), then
# formatting, clippy, the core-purity check, the generated-model checks and all tests; then the
# gateway's tests once more on PostgreSQL (scripts/with-postgres.sh: a throwaway cluster on
# loopback, stopped when they end). CI (.ci/run) runs exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

step "system packages"
need=()
dpkg -s mesa-vulkan-drivers >/dev/null 2>&1 || need+=(mesa-vulkan-drivers)
command -v xvfb-run >/dev/null 2>&1 || need+=(xvfb xauth)
command -v node >/dev/null 2>&1 || need+=(nodejs)
command -v npm >/dev/null 2>&1 || need+=(npm)
dpkg -s assimp-testmodels >/dev/null 2>&1 || need+=(assimp-testmodels)
dpkg -s mosquitto >/dev/null 2>&1 || need+=(mosquitto)
command -v mosquitto_pub >/dev/null 2>&1 || need+=(mosquitto-clients)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
if ((${#need[@]})); then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}"
fi
echo "ok: mesa-vulkan-drivers, xvfb, assimp-testmodels, mosquitto, postgresql, node $(node --version), npm $(npm --version)"

step "Khronos glTF validator (npm, pinned by tools/gltf-validator/package-lock.json)"
npm ci --prefix tools/gltf-validator --no-audit --no-fund --loglevel=error

# Rendering without a display: lavapipe needs only a writable runtime dir to stay quiet.
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-$(mktemp -d)}"
export SITETWIN_SHARED="${SITETWIN_SHARED:-$(cd .. && pwd)/shared}"

step "formatting"
cargo fmt --all -- --check

step "clippy (warnings are errors)"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "the core has no Bevy and no tokio"
if cargo tree -p sitetwin-core -e normal --prefix none --locked | grep -E '^(bevy|tokio)'; then
    echo "sitetwin-core depends on bevy or tokio" >&2
    exit 1
fi
echo "ok"

step "every scene's generated models are byte-identical to a fresh run, and valid glTF"
cargo run -q --locked -p sitetwin-core --bin sitetwin-modelgen -- --check
node tools/gltf-validator/validate.mjs assets/models

step "tests (core unit tests, then the integration binary with headless renders)"
cargo test --workspace --locked

# The same gateway tests (in-process client tests, the store's, the `it` binary's gateway module)
# against a real PostgreSQL; SITETWIN_REQUIRE_PG=1 (set by the script) makes a missing server a
# failure, not a skip. fsync off: these tests kill gateways, never the database server.
step "the gateway's tests again, on PostgreSQL"
SITETWIN_PG_FSYNC=off scripts/with-postgres.sh \
    cargo test --workspace --locked -- client::tests:: store::postgres:: gateway::

step "all checks passed"

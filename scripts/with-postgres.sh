#!/usr/bin/env bash
# Runs a command beside a throwaway PostgreSQL cluster: Debian's `postgresql` binaries, a fresh
# data directory under a temporary folder, listening on loopback only at a free port, stopped and
# removed when the command ends (whatever way it ends). The command gets
#   SITETWIN_TEST_PG=postgres://postgres@127.0.0.1:PORT/postgres   (a superuser, trust on loopback)
#   SITETWIN_REQUIRE_PG=1                                            (the PG tests must not skip)
# initdb refuses to run as root: as root, the cluster runs as the unprivileged `postgres` user
# the Debian package creates. `SITETWIN_PG_FSYNC=off` trades crash safety of the server for speed
# (the tests kill gateways, never the server); the default keeps fsync on (benchmarks).
#
#   scripts/with-postgres.sh cargo test -p sitetwin-gateway
set -euo pipefail

bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
    echo "with-postgres: no PostgreSQL server binaries under /usr/lib/postgresql (apt-get install postgresql)" >&2
    exit 1
fi

dir="$(mktemp -d "${TMPDIR:-/tmp}/sitetwin-pg.XXXXXX")"
as=()
if [ "$(id -u)" -eq 0 ]; then
    id postgres >/dev/null 2>&1 || { echo "with-postgres: running as root, but there is no postgres user" >&2; exit 1; }
    chown postgres: "$dir"
    as=(runuser -u postgres --)
fi
data="$dir/data"

stop() {
    "${as[@]}" "$bin/pg_ctl" -D "$data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$dir"
}
trap stop EXIT

"${as[@]}" "$bin/initdb" -D "$data" -U postgres --auth=trust -E UTF8 --no-locale >"$dir/initdb.log" 2>&1 || {
    cat "$dir/initdb.log" >&2
    exit 1
}

# A free port: one nothing answers on; should another process take it first, try the next.
started=""
for _ in $(seq 1 20); do
    port=$((20000 + RANDOM % 20000))
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
        continue
    fi
    if "${as[@]}" "$bin/pg_ctl" -D "$data" -l "$dir/server.log" -w -t 60 start \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=${SITETWIN_PG_FSYNC:-on} -c max_connections=400 -c shared_buffers=256MB" \
        >/dev/null 2>&1; then
        started=1
        break
    fi
done
if [ -z "$started" ]; then
    echo "with-postgres: the server did not start; its log:" >&2
    cat "$dir/server.log" >&2 || true
    exit 1
fi
echo "with-postgres: PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port (data $data)" >&2

export SITETWIN_TEST_PG="postgres://postgres@127.0.0.1:$port/postgres"
export SITETWIN_REQUIRE_PG=1
# Not exec: the trap stops the server when the command ends.
"$@"

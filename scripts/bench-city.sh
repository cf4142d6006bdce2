#!/usr/bin/env bash
# The gateway at a city's scale (docs/benchmarks.md): the city summary on PostgreSQL and SQLite,
# the city load through one gateway on PostgreSQL, then the readings' sizes by SQL, beside the same
# readings regrouped as one row per site frame. Run beside a throwaway server, fsync on:
#   cargo build --release -p sitetwin-gateway
#   scripts/with-postgres.sh scripts/bench-city.sh [SITES=5000] [SECONDS=300]
set -euo pipefail
sites=${1:-5000}; dur=${2:-300}
base="${SITETWIN_TEST_PG%/postgres}"
psql() { /usr/bin/psql -X -q -v ON_ERROR_STOP=1 "$@"; }
cd "$(dirname "$0")/.."
gw="${SITETWIN_GATEWAY:-${CARGO_TARGET_DIR:-target}/release/sitetwin-gateway}"
psql "$SITETWIN_TEST_PG" -c "CREATE DATABASE summary" -c "CREATE DATABASE load"
echo "== summary, PostgreSQL"; "$gw" bench-city --summary --sites "$sites" --db "$base/summary"
echo "== summary, SQLite"; "$gw" bench-city --summary --sites "$sites"
echo "== load, PostgreSQL"; "$gw" bench-city --load --sites "$sites" --duration-s "$dur" --db "$base/load"
echo "== sizes"
psql "$base/load" -c "ANALYZE readings" -c "
SELECT count(*) AS readings,
       (SELECT sum(pg_relation_size(i.inhrelid)) FROM pg_inherits i WHERE i.inhparent = 'readings'::regclass) AS heap_bytes,
       (SELECT sum(pg_indexes_size(i.inhrelid)) FROM pg_inherits i WHERE i.inhparent = 'readings'::regclass) AS index_bytes,
       (SELECT count(*) FROM pg_inherits i WHERE i.inhparent = 'readings'::regclass) AS partitions
FROM readings" -c "SELECT avg(pg_column_size(r.*))::int AS avg_row_bytes FROM (SELECT * FROM readings LIMIT 100000) r"
psql "$base/load" -c "
CREATE TABLE frames AS
SELECT site_key, t, min(arrived) AS arrived, min(source) AS source,
       array_agg(series ORDER BY series) AS series, array_agg(id ORDER BY series) AS ids,
       array_agg(value ORDER BY series) AS vals, array_agg(level ORDER BY series) AS levels,
       array_agg(flag ORDER BY series) AS flags, array_agg(quality ORDER BY series) AS qualities,
       array_agg(rule ORDER BY series) AS rules
FROM readings GROUP BY site_key, t;
CREATE UNIQUE INDEX ON frames (site_key, t);
CREATE INDEX ON frames (site_key, (ids[1]));
CREATE INDEX ON frames (site_key, arrived);" -c "
SELECT count(*) AS frames, pg_relation_size('frames') AS heap_bytes, pg_indexes_size('frames') AS index_bytes FROM frames"
psql "$base/load" -c "SELECT pg_size_pretty(pg_database_size('load')) AS database"

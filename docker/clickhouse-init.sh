#!/bin/bash
# Applies the project's ClickHouse DDL for current servers (../sql/clickhouse/current, mounted at
# /sql/clickhouse/current: the stack's server is 25.8, and the job creates this variant on 22.2 and
# later) at the first start of the container. Every *.sql file except the example queries, in name
# order; the DDL uses CREATE ... IF NOT EXISTS, so it is safe to run again.
set -euo pipefail
for f in /sql/clickhouse/current/*.sql; do
  case "$(basename "$f")" in
    examples*) continue ;;
  esac
  echo "clickhouse-init: $f"
  clickhouse-client --user "${CLICKHOUSE_USER:-default}" --password "${CLICKHOUSE_PASSWORD:-}" \
    --multiquery <"$f"
done

#!/bin/sh
# Creates Temporal's two databases on PostgreSQL when they are missing and brings their schemas up to this
# server version's (temporal-sql-tool carries them). Safe to run before every start: setup-schema leaves an
# initialised database alone and update-schema applies only newer versions, which is also how an upgrade of
# the server migrates. docker-compose.yml's temporal-schema job and scripts/cluster both run this file, with
# the variables the server's configuration (server.yaml) reads.
set -eu

sql() {
  temporal-sql-tool --plugin postgres12 --ep "$POSTGRES_SEEDS" -p "${DB_PORT:-5432}" \
    -u "$POSTGRES_USER" --pw "${POSTGRES_PWD:-}" "$@"
}

prepare() {  # a database and the name of its schema inside temporal-sql-tool
  # setup-schema fails only on a database that does not exist yet (or a server out of reach, which the
  # second attempt then reports).
  sql --db "$1" setup-schema -v 0.0 >/dev/null 2>&1 || { sql --db "$1" create; sql --db "$1" setup-schema -v 0.0; }
  sql --db "$1" update-schema --schema-name "$2"
}

prepare "$DBNAME" postgresql/v12/temporal
prepare "$VISIBILITY_DBNAME" postgresql/v12/visibility

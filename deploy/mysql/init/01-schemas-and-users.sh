#!/bin/sh
# First start of the MySQL container only (the image runs /docker-entrypoint-initdb.d/ on an empty
# data directory): both schemas, and least-privilege users whose names and passwords come from the
# environment (.env), never from this file.
#   - each service's run-time user: SELECT, INSERT, UPDATE, DELETE on its own schema only;
#   - the migration user: DDL and DML on both schemas (it creates tables and TypeORM's history).
set -eu

: "${MYSQL_ROOT_PASSWORD:?}" "${MAIN_DB_NAME:?}" "${MAIN_DB_USER:?}" "${MAIN_DB_PASSWORD:?}"
: "${ADMIN_DB_NAME:?}" "${ADMIN_DB_USER:?}" "${ADMIN_DB_PASSWORD:?}"
: "${MIGRATION_DB_USER:?}" "${MIGRATION_DB_PASSWORD:?}"

# Single quotes inside a value would break the SQL string; refuse rather than escape.
for value in "$MAIN_DB_PASSWORD" "$ADMIN_DB_PASSWORD" "$MIGRATION_DB_PASSWORD"; do
  case "$value" in *"'"*|*'\'*) echo "init: passwords may not contain quotes or backslashes" >&2; exit 1 ;; esac
done

MYSQL_PWD="$MYSQL_ROOT_PASSWORD" mysql --protocol=socket -uroot <<SQL
CREATE DATABASE IF NOT EXISTS \`${MAIN_DB_NAME}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE DATABASE IF NOT EXISTS \`${ADMIN_DB_NAME}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

CREATE USER IF NOT EXISTS '${MAIN_DB_USER}'@'%' IDENTIFIED BY '${MAIN_DB_PASSWORD}';
GRANT SELECT, INSERT, UPDATE, DELETE ON \`${MAIN_DB_NAME}\`.* TO '${MAIN_DB_USER}'@'%';

CREATE USER IF NOT EXISTS '${ADMIN_DB_USER}'@'%' IDENTIFIED BY '${ADMIN_DB_PASSWORD}';
GRANT SELECT, INSERT, UPDATE, DELETE ON \`${ADMIN_DB_NAME}\`.* TO '${ADMIN_DB_USER}'@'%';

CREATE USER IF NOT EXISTS '${MIGRATION_DB_USER}'@'%' IDENTIFIED BY '${MIGRATION_DB_PASSWORD}';
GRANT SELECT, INSERT, UPDATE, DELETE, CREATE, ALTER, DROP, INDEX, REFERENCES
  ON \`${MAIN_DB_NAME}\`.* TO '${MIGRATION_DB_USER}'@'%';
GRANT SELECT, INSERT, UPDATE, DELETE, CREATE, ALTER, DROP, INDEX, REFERENCES
  ON \`${ADMIN_DB_NAME}\`.* TO '${MIGRATION_DB_USER}'@'%';
SQL
echo "init: schemas ${MAIN_DB_NAME}, ${ADMIN_DB_NAME} and their users are ready"

# Database bootstrap of the rocketclub platform (run by the ECS one-off task <cluster>-db-bootstrap).
# Creates or updates the application users and their databases with the admin credentials.
# Inputs (injected by ECS): DB_ADMIN_SECRET_JSON, BACKSTAGE_DB_SECRET_JSON, PREFECT_DB_SECRET_JSON
# (JSON {"username", "password"}), DB_HOST, DB_PORT. Nothing is printed but names.
set -eu

json_field() {
  # The value of a top-level string field of a flat JSON object (generated passwords are
  # alphanumeric; a backslash or quote in a value is refused rather than mis-parsed).
  value=$(printf '%s' "$1" | sed -n "s/.*\"$2\"[[:space:]]*:[[:space:]]*\"\([^\"\\\\]*\)\".*/\1/p")
  [ -n "$value" ] || { echo "bootstrap: field $2 missing or unsupported" >&2; exit 2; }
  printf '%s' "$value"
}

export PGHOST="$DB_HOST" PGPORT="${DB_PORT:-5432}" PGDATABASE=postgres PGSSLMODE=require
PGUSER=$(json_field "$DB_ADMIN_SECRET_JSON" username)
PGPASSWORD=$(json_field "$DB_ADMIN_SECRET_JSON" password)
export PGUSER PGPASSWORD

ensure_app() {
  user=$(json_field "$1" username)
  password=$(json_field "$1" password)
  echo "bootstrap: ensuring user and database $user"
  psql -v ON_ERROR_STOP=1 -q -v user="$user" -v password="$password" <<'SQL'
SET client_min_messages = warning;
SELECT format('CREATE ROLE %I LOGIN', :'user')
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'user') \gexec
SELECT format('ALTER ROLE %I WITH LOGIN CREATEDB PASSWORD %L', :'user', :'password') \gexec
SELECT format('GRANT %I TO CURRENT_USER', :'user') \gexec
SELECT format('CREATE DATABASE %I OWNER %I', :'user', :'user')
 WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = :'user') \gexec
SQL
}

ensure_app "$BACKSTAGE_DB_SECRET_JSON"
ensure_app "$PREFECT_DB_SECRET_JSON"
echo "bootstrap: done"

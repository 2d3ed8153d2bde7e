#!/usr/bin/env bash
# Back up JXC's PostgreSQL database with pg_dump, restore it, and prove a backup restores.
#
#   bin/backup_restore_check.sh backup FILE             pg_dump -Fc of $DATABASE_URL into FILE
#   bin/backup_restore_check.sh restore FILE URL        FILE into the database URL, which must be new
#                                                       or empty (it is created when missing)
#   bin/backup_restore_check.sh check FILE [--compare]  the drill: restore FILE into a scratch database
#        jxc_restore_<random> on $DATABASE_URL's server, run `manage.py migrate --check` and
#        `manage.py check_ledger` against it, print its row counts and stock value, drop it.
#        With --compare, the row count of every table and the stock value must also equal
#        $DATABASE_URL's: use it right after `backup` while nothing writes (or against a copy).
#
# Needs pg_dump, pg_restore and psql of the server's major version (or newer) on PATH; `check`
# also runs manage.py with $PYTHON (default: .venv/bin/python, else python3). Exits non-zero,
# saying what differs, on any failure. With docker compose see the README's "Backup and restore".
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PYTHON="${PYTHON:-$([ -x "$ROOT/.venv/bin/python" ] && echo "$ROOT/.venv/bin/python" || echo python3)}"

die() { echo "backup_restore_check: $*" >&2; exit 1; }
need_url() { [ -n "${DATABASE_URL:-}" ] || die "set DATABASE_URL (postgres://user@host:port/name)"; }
# The same server, its maintenance database: postgres://u@h:p/name?x -> postgres://u@h:p/postgres?x
admin_url() {
    local url="$1" query=""
    [[ "$url" == *\?* ]] && query="?${url#*\?}" && url="${url%%\?*}"
    echo "${url%/*}/postgres${query}"
}
with_db() {
    local url="$1" query=""
    [[ "$url" == *\?* ]] && query="?${url#*\?}" && url="${url%%\?*}"
    echo "${url%/*}/$2${query}"
}
db_name() { local url="${1%%\?*}"; echo "${url##*/}"; }
sql() { psql -X -q -v ON_ERROR_STOP=1 -At "$@"; }

backup() {
    need_url
    pg_dump --format=custom --file="$1" "$DATABASE_URL"
    echo "backup: $(db_name "$DATABASE_URL") -> $1 ($(wc -c <"$1") bytes)"
}

restore() {
    local file="$1" target="$2" name
    [ -r "$file" ] || die "cannot read $file"
    name="$(db_name "$target")"
    if [ -z "$(sql "$(admin_url "$target")" -c "SELECT 1 FROM pg_database WHERE datname = '${name//\'/\'\'}'")" ]; then
        sql "$(admin_url "$target")" -c "CREATE DATABASE \"${name//\"/\"\"}\""
    elif [ "$(sql "$target" -c "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")" != 0 ]; then
        die "$name is not empty: restore into a new database"
    fi
    # One transaction: a backup that does not restore completely leaves nothing behind.
    pg_restore --no-owner --no-privileges --exit-on-error --single-transaction --dbname="$target" "$file"
    echo "restore: $file -> $name"
}

# "table|rows" for every table of the public schema, then the stock figures, one per line.
figures() {
    sql "$1" <<'SQL'
SELECT format('SELECT %L || ''|'' || count(*) FROM %I', tablename, tablename)
  FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename \gexec
SELECT 'stock value|' || coalesce(sum(value), 0) FROM inventory_itemvaluation;
SELECT 'stock quantity|' || coalesce(sum(qty), 0) FROM inventory_itemvaluation;
SELECT 'ledger value|' || coalesce(sum(value), 0) FROM inventory_stockmove;
SELECT 'on hand|' || coalesce(sum(on_hand), 0) FROM inventory_stockbalance;
SQL
}

check() {
    local file="$1" compare="${2:-}" scratch target restored
    need_url
    scratch="jxc_restore_$(date +%Y%m%d%H%M%S)_$$_${RANDOM}"
    target="$(with_db "$DATABASE_URL" "$scratch")"
    # shellcheck disable=SC2064  # expand now: the scratch database's name is fixed
    trap "sql '$(admin_url "$DATABASE_URL")' -c 'DROP DATABASE IF EXISTS \"$scratch\" WITH (FORCE)'" EXIT
    restore "$file" "$target"
    restored="$(figures "$target")"
    if [ "$compare" = "--compare" ]; then
        local differences
        differences="$(diff <(figures "$DATABASE_URL") <(echo "$restored") || true)"
        [ -z "$differences" ] || die "the restored database differs from $(db_name "$DATABASE_URL") (< source, > restored):
$differences"
    fi
    (cd "$ROOT" && DATABASE_URL="$target" "$PYTHON" manage.py migrate --check >/dev/null) \
        || die "the restored database lacks migrations (manage.py migrate --check)"
    (cd "$ROOT" && DATABASE_URL="$target" "$PYTHON" manage.py check_ledger) \
        || die "check_ledger found differences in the restored database"
    echo "$restored" | awk -F'|' '!/^stock|^ledger|^on hand/ { tables++; rows += $2 } END { printf "check: %d tables, %d rows\n", tables, rows }'
    echo "$restored" | grep -E '^(stock|ledger|on hand)' | sed 's/^/check: /; s/|/ = /'
    echo "check: OK${compare:+ (identical to $(db_name "$DATABASE_URL"))}"
}

case "${1:-}" in
    backup) [ $# -eq 2 ] || die "usage: $0 backup FILE"; backup "$2" ;;
    restore) [ $# -eq 3 ] || die "usage: $0 restore FILE URL"; restore "$2" "$3" ;;
    check) [ $# -ge 2 ] && [ $# -le 3 ] || die "usage: $0 check FILE [--compare]"; check "$2" "${3:-}" ;;
    *) die "usage: $0 backup FILE | restore FILE URL | check FILE [--compare]" ;;
esac

#!/usr/bin/env bash
# PostgreSQL backups: a custom-format pg_dump into BACKUP_DIR, checked, and
# only then published; dumps older than BACKUP_KEEP_DAYS days are removed.
#
#   pg-backup.sh dump    dump, check that the archive reads back (pg_restore --list)
#                        and holds table data, then publish it as
#                        <database>-<UTC time>.dump with its SHA-256 in <name>.sha256
#   pg-backup.sh prune   remove the dumps (and their .sha256) older than
#                        BACKUP_KEEP_DAYS days, never the newest one
#   pg-backup.sh         both, one after the other
#
# The CronJob taskmanager-backup (cronjob.yaml) runs `dump`, then `prune`. The
# restore drill (tests/deploy/test_backup_restore.py) runs this same file, and
# docs/KUBERNETES.md has the restore runbook it follows.
#
# Connection: libpq's PGHOST and PGPORT; PGUSER, else POSTGRES_USER; PGDATABASE,
# else POSTGRES_DB; the password in the file BACKUP_PASSWORD_FILE, else
# POSTGRES_PASSWORD_FILE (neither: no password, for trust or peer auth).
# Exits non-zero on any failure, and leaves no partial dump behind.
set -euo pipefail
shopt -s nullglob

BACKUP_DIR=${BACKUP_DIR:-}
BACKUP_KEEP_DAYS=${BACKUP_KEEP_DAYS:-7}
export PGUSER=${PGUSER:-${POSTGRES_USER:-}}
export PGDATABASE=${PGDATABASE:-${POSTGRES_DB:-}}
PASSWORD_FILE=${BACKUP_PASSWORD_FILE:-${POSTGRES_PASSWORD_FILE:-}}
REMOVE_ON_EXIT=()

log() { printf '%s pg-backup: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*" >&2; }
fail() {
    log "$*"
    exit 1
}

finish() {
    local status=$?
    rm -f -- "${REMOVE_ON_EXIT[@]}"
    ((status == 0)) || log "FAILED (exit status $status)"
}
trap finish EXIT

check_settings() {
    [[ -n $PGDATABASE ]] || fail "no database named: set PGDATABASE or POSTGRES_DB"
    [[ $BACKUP_KEEP_DAYS =~ ^[1-9][0-9]{0,4}$ ]] ||
        fail "BACKUP_KEEP_DAYS must be a whole number of days from 1, not '$BACKUP_KEEP_DAYS'"
    [[ -n $BACKUP_DIR && -d $BACKUP_DIR && -w $BACKUP_DIR ]] ||
        fail "BACKUP_DIR ('$BACKUP_DIR') is not a writable directory"
}

# libpq takes a password from a pgpass file (or the environment); the mounted
# file holds the bare password, so a pgpass line is made of it in a private file.
use_password_file() {
    [[ -n $PASSWORD_FILE ]] || return 0
    [[ -r $PASSWORD_FILE ]] || fail "cannot read the password file $PASSWORD_FILE"
    PGPASSFILE=$(mktemp)
    REMOVE_ON_EXIT+=("$PGPASSFILE")
    chmod 600 "$PGPASSFILE"
    # Any host, port, database and user; a ':' or '\' in the password is escaped.
    printf '*:*:*:*:%s\n' "$(sed 's/[\\:]/\\&/g' "$PASSWORD_FILE")" >"$PGPASSFILE"
    export PGPASSFILE
}

dump() {
    local stamp name partial tables digest
    use_password_file
    stamp=$(date -u +%Y%m%dT%H%M%SZ)
    name=$PGDATABASE-$stamp.dump
    partial=$BACKUP_DIR/.$name.partial
    # Left by a run that was killed (the CronJob never runs two at once).
    rm -f -- "$BACKUP_DIR"/.*.partial
    REMOVE_ON_EXIT+=("$partial" "$partial.sha256")

    log "dumping database $PGDATABASE from ${PGHOST:-the local socket}:${PGPORT:-5432} as ${PGUSER:-the OS user}"
    # A lock held by a migration must not hang the dump until the Job's deadline.
    pg_dump --format=custom --no-password --lock-wait-timeout=2min --file="$partial"

    tables=$(pg_restore --list "$partial" | grep -c ' TABLE DATA ') || true
    [[ $tables -gt 0 ]] || fail "the dump of $PGDATABASE holds no table data; not published"
    digest=$(sha256sum "$partial")
    printf '%s  %s\n' "${digest%% *}" "$name" >"$partial.sha256"
    mv -- "$partial" "$BACKUP_DIR/$name"
    mv -- "$partial.sha256" "$BACKUP_DIR/$name.sha256"
    log "wrote $name: $(du -h "$BACKUP_DIR/$name" | cut -f1), $tables tables with data"
}

prune() {
    local dumps newest file removed=0 minutes=$((BACKUP_KEEP_DAYS * 24 * 60))
    dumps=("$BACKUP_DIR/$PGDATABASE"-*.dump)
    ((${#dumps[@]} > 0)) || fail "no dump of $PGDATABASE in $BACKUP_DIR"
    # The names sort by their UTC time. The newest stays whatever its age, so
    # nights of failed backups never remove the last good one.
    newest=$(printf '%s\n' "${dumps[@]}" | sort | tail -n 1)
    while IFS= read -r -d '' file; do
        [[ $file == "$newest" ]] && continue
        rm -f -- "$file" "$file.sha256"
        log "removed ${file##*/} (older than $BACKUP_KEEP_DAYS days)"
        removed=$((removed + 1))
    done < <(find "$BACKUP_DIR" -maxdepth 1 -type f -name "$PGDATABASE-*.dump" -mmin "+$minutes" -print0)
    log "kept $((${#dumps[@]} - removed)) dumps (the last $BACKUP_KEEP_DAYS days), removed $removed:"
    for file in "$BACKUP_DIR/$PGDATABASE"-*.dump; do
        log "  ${file##*/}  $(du -h "$file" | cut -f1)"
    done
}

check_settings
case "${1:-all}" in
    dump) dump ;;
    prune) prune ;;
    all)
        dump
        prune
        ;;
    *)
        sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//' >&2
        exit 2
        ;;
esac

#!/usr/bin/env bash
# Upload the newest dump in BACKUP_DIR (and its .sha256) to
# s3://$BACKUP_S3_BUCKET/$BACKUP_S3_PREFIX, check its size there, then remove
# the objects of dumps older than BACKUP_KEEP_DAYS days (never the newest).
#
# UNTESTED here (no object store is reachable where the tests run); see
# kustomization.yaml. Runs in the amazon/aws-cli image after pg-backup.sh's
# `dump` step, which made that dump minutes before. The age of a remote dump is
# read from its name (<database>-<UTC time>.dump), as pg-backup.sh writes it.
# Exits non-zero on any failure.
set -euo pipefail
shopt -s nullglob

log() { printf '%s s3-upload: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*" >&2; }
fail() {
    log "FAILED: $*"
    exit 1
}

bucket=${BACKUP_S3_BUCKET:?BACKUP_S3_BUCKET names the bucket}
prefix=${BACKUP_S3_PREFIX:-}
database=${PGDATABASE:-${POSTGRES_DB:?POSTGRES_DB or PGDATABASE names the database}}
keep_days=${BACKUP_KEEP_DAYS:-7}
[[ $keep_days =~ ^[1-9][0-9]{0,4}$ ]] || fail "BACKUP_KEEP_DAYS must be a whole number from 1"
[[ -r ${AWS_SHARED_CREDENTIALS_FILE:-} ]] || fail "no credentials file at '${AWS_SHARED_CREDENTIALS_FILE:-}'"

dumps=("${BACKUP_DIR:?}/$database"-*.dump)
((${#dumps[@]} > 0)) || fail "no dump of $database in $BACKUP_DIR"
newest=$(printf '%s\n' "${dumps[@]}" | sort | tail -n 1)
name=${newest##*/}

aws s3 cp --only-show-errors "$newest" "s3://$bucket/$prefix$name"
aws s3 cp --only-show-errors "$newest.sha256" "s3://$bucket/$prefix$name.sha256"
remote_size=$(aws s3api head-object --bucket "$bucket" --key "$prefix$name" --query ContentLength --output text)
[[ $remote_size == "$(stat -c %s "$newest")" ]] ||
    fail "s3://$bucket/$prefix$name has $remote_size bytes, the dump $(stat -c %s "$newest")"
log "uploaded $name to s3://$bucket/$prefix"

cutoff=$(date -u -d "-$keep_days days" +%Y%m%dT%H%M%SZ)
keys=$(aws s3api list-objects-v2 --bucket "$bucket" --prefix "$prefix$database-" \
    --query 'Contents[].Key' --output text)
for key in $keys; do
    [[ $key =~ ^$prefix$database-([0-9]{8}T[0-9]{6}Z)\.dump(\.sha256)?$ ]] || continue
    [[ ${BASH_REMATCH[1]} < $cutoff && $key != "$prefix$name"* ]] || continue
    aws s3 rm --only-show-errors "s3://$bucket/$key"
    log "removed s3://$bucket/$key (older than $keep_days days)"
done

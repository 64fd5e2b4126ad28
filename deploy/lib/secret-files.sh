# shellcheck shell=bash
# `deploy.sh production-secrets`: a first set of the files the production
# overlay's secretGenerator reads (kustomize/overlays/production/.secrets/),
# random, made once and then kept. kind needs none: its Secrets are made in the
# cluster. Replace these with your secret store's values, or the generator
# with your secret operator (docs/KUBERNETES.md, Production overlay).

# Where the API pods find PostgreSQL (the headless Service) and as whom.
DATABASE_HOST=postgres
DATABASE_NAME=taskmanager
DATABASE_USER=taskmanager

random_hex() { od -An -N"$1" -tx1 /dev/urandom | tr -d ' \n'; }

# Creates each missing file once and keeps every existing one.
ensure_secret_files() {
    local dir=$1 password_file=$1/postgres-password api_file=$1/api.env ui_file=$1/ui.env password
    mkdir -p "$dir"
    chmod 700 "$dir"
    umask 077

    if [[ ! -s $password_file ]]; then
        random_hex 24 >"$password_file.new"
        mv "$password_file.new" "$password_file"
        log "generated a database password"
    fi
    password=$(<"$password_file")

    if [[ ! -s $api_file ]]; then
        {
            printf 'SECRET_KEY=%s\n' "$(random_hex 32)"
            printf 'DATABASE_URL=postgres://%s:%s@%s:5432/%s\n' \
                "$DATABASE_USER" "$password" "$DATABASE_HOST" "$DATABASE_NAME"
        } >"$api_file.new"
        mv "$api_file.new" "$api_file"
        log "generated the API role's secret key"
    fi
    if ! grep -q "^DATABASE_URL=postgres://$DATABASE_USER:$password@" "$api_file"; then
        die "$api_file has a DATABASE_URL whose password differs from $password_file; fix one of them"
    fi

    if [[ ! -s $ui_file ]]; then
        printf 'SECRET_KEY=%s\n' "$(random_hex 32)" >"$ui_file.new"
        mv "$ui_file.new" "$ui_file"
        log "generated the UI role's secret key"
    fi
    ensure_forwarding_secret "$api_file" "$ui_file"
    ensure_admin_password "$api_file" "$dir/admin-password"
    rm -f "$dir"/*.new
    if [[ ! -s $dir/backup-s3-credentials ]]; then
        log "still missing: $dir/backup-s3-credentials, the object store's access key for the"
        log "    nightly backups (docs/KUBERNETES.md, Back up and restore); nothing can make that up"
    fi
}

# The admin's password has a file (and Secret) of its own, which only the
# ensure-admin init step mounts. api.env files made before that carry it as
# TASKMANAGER_ADMIN_PASSWORD: the value moves to the new file (the admin in the
# database has it), and only then leaves api.env.
ensure_admin_password() {
    local api_file=$1 admin_file=$2 old
    old=$(sed -n 's/^TASKMANAGER_ADMIN_PASSWORD=//p' "$api_file" | head -n 1)
    if [[ ! -s $admin_file ]]; then
        if [[ -n $old ]]; then
            printf '%s' "$old" >"$admin_file.new"
            log "moved the admin password from api.env to admin-password"
        else
            random_hex 12 >"$admin_file.new"
            log "generated the admin password"
        fi
        mv "$admin_file.new" "$admin_file"
    fi
    if [[ -n $old ]]; then
        [[ $old == "$(<"$admin_file")" ]] ||
            die "$api_file and $admin_file hold different admin passwords; keep one, delete the other"
        grep -v '^TASKMANAGER_ADMIN_PASSWORD=' "$api_file" >"$api_file.new" || true
        mv "$api_file.new" "$api_file"
    fi
}

# The UI signs each end user's address for the API's login limits with a key
# both roles hold (README, security notes). A role file made before the key
# existed, or made anew, gets the other file's key; neither having one makes it.
ensure_forwarding_secret() {
    local key file
    key=$(sed -n 's/^TASKMANAGER_FORWARDING_SECRET=//p' "$@" | head -n 1)
    if [[ -z $key ]]; then
        key=$(random_hex 32)
        log "generated the key the UI signs client addresses with"
    fi
    for file in "$@"; do
        if ! grep -q '^TASKMANAGER_FORWARDING_SECRET=' "$file"; then
            printf 'TASKMANAGER_FORWARDING_SECRET=%s\n' "$key" >>"$file"
        elif ! grep -qx "TASKMANAGER_FORWARDING_SECRET=$key" "$file"; then
            die "$* hold different TASKMANAGER_FORWARDING_SECRET values; make them equal"
        fi
    done
}

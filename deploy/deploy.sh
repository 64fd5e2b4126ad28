#!/usr/bin/env bash
# One command from a clone to taskmanager running on a local kind cluster.
#
#   deploy/deploy.sh [up]     create the cluster if it is missing (an existing one
#                             and its data are kept), build the image and load it
#                             into the node, create or reuse the secrets, apply
#                             kustomize/overlays/kind, wait for the rollouts and
#                             smoke-test both roles through their NodePorts
#   deploy/deploy.sh down     delete the cluster and its data (asks first)
#   deploy/deploy.sh secrets  only create (or keep) the secret files
#
# Re-running `up` is safe: it updates in place, and pods restart only when the
# image or their configuration changed.
#
# Environment: CONTAINER_ENGINE=docker|podman (default: docker if it answers,
# else podman), KIND_CLUSTER_NAME (default task-manager), KUBECTL (default:
# kubectl on PATH, else the project's .venv/bin/kubectl).
#
# See docs/KUBERNETES.md.
set -euo pipefail

ROOT=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)
CLUSTER_NAME=${KIND_CLUSTER_NAME:-task-manager}
KIND_CONFIG=$ROOT/deploy/kind-config.yaml
OVERLAY=$ROOT/kustomize/overlays/kind
SECRETS_DIR=$OVERLAY/.secrets
NAMESPACE=task-manager
IMAGE=taskmanager:0.1.0
UI_URL=http://localhost:30080
API_URL=http://localhost:30081
# Where the UI and API pods find PostgreSQL (the headless Service) and as whom.
DATABASE_HOST=postgres
DATABASE_NAME=taskmanager
DATABASE_USER=taskmanager

log() { printf '==> %s\n' "$*" >&2; }
die() {
    printf 'deploy.sh: %s\n' "$*" >&2
    exit 1
}

usage() {
    sed -n '2,19p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

# --- tools ------------------------------------------------------------------------

pick_kubectl() {
    if [[ -n ${KUBECTL:-} ]]; then
        printf '%s\n' "$KUBECTL"
    elif command -v kubectl >/dev/null 2>&1; then
        printf 'kubectl\n'
    elif [[ -x $ROOT/.venv/bin/kubectl ]]; then
        # `make install` brings a pinned kubectl into the project's venv.
        printf '%s\n' "$ROOT/.venv/bin/kubectl"
    fi
}

pick_engine() {
    if [[ -n ${CONTAINER_ENGINE:-} ]]; then
        printf '%s\n' "$CONTAINER_ENGINE"
    elif command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; then
        printf 'docker\n'
    elif command -v podman >/dev/null 2>&1; then
        printf 'podman\n'
    fi
}

# Says every missing tool at once, with where to get it, then stops.
check_tools() {
    local missing=()
    command -v kind >/dev/null 2>&1 || missing+=("kind (https://kind.sigs.k8s.io/docs/user/quick-start/#installation)")
    KUBECTL=$(pick_kubectl)
    if [[ -z $KUBECTL ]] || ! command -v "$KUBECTL" >/dev/null 2>&1; then
        missing+=("kubectl (https://kubernetes.io/docs/tasks/tools/, or \`make install\` for .venv/bin/kubectl)")
    fi
    ENGINE=$(pick_engine)
    case "$ENGINE" in
        docker | podman)
            command -v "$ENGINE" >/dev/null 2>&1 || missing+=("$ENGINE (CONTAINER_ENGINE=$ENGINE)")
            ;;
        "") missing+=("docker or podman (a container engine to build the image and run the kind node)") ;;
        *) die "CONTAINER_ENGINE must be docker or podman, not '$ENGINE'" ;;
    esac
    command -v curl >/dev/null 2>&1 || missing+=("curl (for the smoke test)")
    if [[ ${#missing[@]} -gt 0 ]]; then
        printf 'deploy.sh: missing tools:\n' >&2
        printf '  - %s\n' "${missing[@]}" >&2
        exit 1
    fi
    if [[ $ENGINE == podman ]]; then
        export KIND_EXPERIMENTAL_PROVIDER=podman
    fi
}

kube() { "$KUBECTL" --context "kind-$CLUSTER_NAME" "$@"; }

# --- cluster -----------------------------------------------------------------------

cluster_exists() {
    kind get clusters 2>/dev/null | grep -qx -- "$CLUSTER_NAME"
}

ensure_cluster() {
    if cluster_exists; then
        log "kind cluster '$CLUSTER_NAME' exists; keeping it and its data"
    else
        log "creating kind cluster '$CLUSTER_NAME' ($KIND_CONFIG)"
        kind create cluster --name "$CLUSTER_NAME" --config "$KIND_CONFIG" --wait 180s
    fi
    # (Re)writes the cluster's context into the kubeconfig, in case it was lost.
    kind export kubeconfig --name "$CLUSTER_NAME" >/dev/null
}

# --- image -------------------------------------------------------------------------

build_image() {
    log "building $IMAGE with $ENGINE"
    "$ENGINE" build --tag "$IMAGE" "$ROOT"
}

# podman names a locally built image localhost/NAME:TAG, and that is the name
# `podman save` writes into the archive. The kubelet looks `taskmanager:0.1.0`
# up under the default registry's name instead, so the archive is rewritten to
# carry the short name, which the node's containerd then expands the same way
# the kubelet does.
podman_archive() {
    local image=$1 archive=$2 work
    work=$(mktemp -d)
    podman save --format docker-archive --output "$work/saved.tar" "localhost/$image" >/dev/null
    mkdir "$work/layout"
    tar -xf "$work/saved.tar" -C "$work/layout"
    sed "s#\"localhost/$image\"#\"$image\"#g" "$work/layout/manifest.json" >"$work/manifest.json"
    mv "$work/manifest.json" "$work/layout/manifest.json"
    (cd "$work/layout" && tar -cf "$archive" -- *)
    rm -rf "$work"
}

load_image() {
    log "loading $IMAGE into the kind node"
    if [[ $ENGINE == docker ]]; then
        kind load docker-image "$IMAGE" --name "$CLUSTER_NAME"
    else
        local archive
        archive=$(mktemp -d)/taskmanager.tar
        podman_archive "$IMAGE" "$archive"
        kind load image-archive "$archive" --name "$CLUSTER_NAME"
        rm -rf "$(dirname "$archive")"
    fi
}

image_id() {
    if [[ $ENGINE == podman ]]; then
        podman image inspect --format '{{.Id}}' "localhost/$IMAGE"
    else
        docker image inspect --format '{{.Id}}' "$IMAGE"
    fi
}

# --- secrets -----------------------------------------------------------------------

random_hex() { od -An -N"$1" -tx1 /dev/urandom | tr -d ' \n'; }

# The newest Secret in the cluster whose generated name starts with $1, if any.
cluster_secret_value() {
    local prefix=$1 key=$2 name
    [[ -n ${KUBECTL:-} ]] && cluster_exists || return 1
    name=$(kube get secrets --namespace "$NAMESPACE" --sort-by=.metadata.creationTimestamp \
        --output name 2>/dev/null | grep "^secret/$prefix-" | tail -n 1) || return 1
    [[ -n $name ]] || return 1
    kube get "$name" --namespace "$NAMESPACE" --output "jsonpath={.data.$key}" | base64 -d
}

# Creates each missing secret file once and keeps it from then on. A file that
# went missing while the cluster still has its Secret is recovered from the
# cluster: PostgreSQL sets its password only when it first initialises the
# volume, so a freshly generated one would lock the API role out.
ensure_secrets() {
    local password_file=$SECRETS_DIR/postgres-password api_file=$SECRETS_DIR/api.env
    local ui_file=$SECRETS_DIR/ui.env password
    mkdir -p "$SECRETS_DIR"
    chmod 700 "$SECRETS_DIR"
    umask 077

    if [[ ! -s $password_file ]]; then
        if cluster_secret_value postgres-credentials password >"$password_file.new" 2>/dev/null &&
            [[ -s $password_file.new ]]; then
            log "recovered the database password from the cluster"
        else
            random_hex 24 >"$password_file.new"
            log "generated a database password"
        fi
        mv "$password_file.new" "$password_file"
    fi
    password=$(<"$password_file")

    if [[ ! -s $api_file ]]; then
        if cluster_secret_value taskmanager-api-secrets env >"$api_file.new" 2>/dev/null &&
            [[ -s $api_file.new ]]; then
            log "recovered the API role's secrets from the cluster"
        else
            {
                printf 'SECRET_KEY=%s\n' "$(random_hex 32)"
                printf 'DATABASE_URL=postgres://%s:%s@%s:5432/%s\n' \
                    "$DATABASE_USER" "$password" "$DATABASE_HOST" "$DATABASE_NAME"
            } >"$api_file.new"
            log "generated the API role's secret key"
        fi
        mv "$api_file.new" "$api_file"
    fi
    if ! grep -q "^DATABASE_URL=postgres://$DATABASE_USER:$password@" "$api_file"; then
        die "$api_file has a DATABASE_URL whose password differs from $password_file; fix one of them"
    fi

    if [[ ! -s $ui_file ]]; then
        if cluster_secret_value taskmanager-ui-secrets env >"$ui_file.new" 2>/dev/null &&
            [[ -s $ui_file.new ]]; then
            log "recovered the UI role's secret key from the cluster"
        else
            printf 'SECRET_KEY=%s\n' "$(random_hex 32)" >"$ui_file.new"
            log "generated the UI role's secret key"
        fi
        mv "$ui_file.new" "$ui_file"
    fi
    ensure_forwarding_secret "$api_file" "$ui_file"
    ensure_admin_password "$api_file" "$SECRETS_DIR/admin-password"
    rm -f "$SECRETS_DIR"/*.new
}

# The admin's password has a file (and Secret) of its own, which only the
# ensure-admin init step mounts. api.env files made before that carry it as
# TASKMANAGER_ADMIN_PASSWORD: the value moves to the new file (the admin in the
# database has it), and only then leaves api.env.
ensure_admin_password() {
    local api_file=$1 admin_file=$2 old
    old=$(sed -n 's/^TASKMANAGER_ADMIN_PASSWORD=//p' "$api_file" | head -n 1)
    if [[ ! -s $admin_file ]]; then
        if cluster_secret_value taskmanager-admin-password password >"$admin_file.new" 2>/dev/null &&
            [[ -s $admin_file.new ]]; then
            log "recovered the admin password from the cluster"
        elif [[ -n $old ]]; then
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

admin_username() {
    sed -n 's/^TASKMANAGER_ADMIN_USERNAME=//p' "$ROOT/kustomize/base/config/api.env"
}

admin_password() {
    cat "$SECRETS_DIR/admin-password"
}

# --- rollout -----------------------------------------------------------------------

apply_overlay() {
    log "applying kustomize/overlays/kind to namespace $NAMESPACE"
    kube apply --kustomize "$OVERLAY"
    # The tag stays 0.1.0 across rebuilds, so the pod templates carry the
    # image's ID: a rebuilt image rolls the pods, an unchanged one leaves them.
    local id deployment
    id=$(image_id)
    for deployment in taskmanager-api taskmanager-ui; do
        kube patch deployment "$deployment" --namespace "$NAMESPACE" --type merge --patch \
            "{\"spec\":{\"template\":{\"metadata\":{\"annotations\":{\"taskmanager.example.com/image-id\":\"$id\"}}}}}" \
            >/dev/null
    done
}

wait_for_rollouts() {
    log "waiting for the rollouts"
    kube rollout status statefulset/postgres --namespace "$NAMESPACE" --timeout 600s
    kube rollout status deployment/taskmanager-api --namespace "$NAMESPACE" --timeout 600s
    kube rollout status deployment/taskmanager-ui --namespace "$NAMESPACE" --timeout 300s
    # A new Deployment starts with one pod; its autoscaler raises it to the
    # minimum within a sync period or two.
    local name minimum ready deadline
    for name in taskmanager-api taskmanager-ui; do
        minimum=$(kube get hpa "$name" --namespace "$NAMESPACE" --output 'jsonpath={.spec.minReplicas}')
        deadline=$((SECONDS + 180))
        while :; do
            ready=$(kube get deployment "$name" --namespace "$NAMESPACE" --output 'jsonpath={.status.readyReplicas}')
            [[ ${ready:-0} -ge $minimum ]] && break
            ((SECONDS < deadline)) || die "$name has ${ready:-0} ready pods, its autoscaler wants $minimum"
            sleep 3
        done
        log "$name: ${ready} pods ready"
    done
}

# --- smoke test --------------------------------------------------------------------

http_status() {
    curl --silent --output /dev/null --write-out '%{http_code}' --max-time 10 \
        --retry 10 --retry-delay 2 --retry-connrefused "$@"
}

expect_status() {
    local expected=$1 url=$2 status
    status=$(http_status "$url")
    [[ $status == "$expected" ]] || die "smoke test: GET $url answered $status, expected $expected"
    log "ok  GET $url -> $status"
}

smoke_test() {
    log "smoke test through the NodePorts"
    expect_status 200 "$UI_URL/healthz"
    expect_status 200 "$UI_URL/readyz"
    expect_status 200 "$API_URL/healthz"
    expect_status 200 "$API_URL/readyz"

    # The password goes through stdin, not the command line.
    local response status token me
    response=$(printf '{"username":"%s","password":"%s"}' "$(admin_username)" "$(admin_password)" |
        curl --silent --show-error --max-time 10 --header 'Content-Type: application/json' \
            --write-out '\n%{http_code}' --data-binary @- "$API_URL/api/v1/auth/token/") ||
        die "smoke test: the API did not answer the admin's token request"
    status=${response##*$'\n'}
    response=${response%$'\n'*}
    if [[ $status == 401 ]]; then
        # The API checked the password against the database, so both work; the
        # admin's password was changed since ensure-admin created it, and
        # ensure-admin never changes it back.
        log "ok  POST /api/v1/auth/token/ -> 401: the admin's password is no longer the one in"
        log "    ${SECRETS_DIR#"$ROOT"/}/admin-password (changed since); skipped the admin check"
        return 0
    fi
    [[ $status == 200 ]] || die "smoke test: the admin's token request answered $status: $response"
    token=$(printf '%s' "$response" | sed -n 's/.*"token" *: *"\([^"]*\)".*/\1/p')
    [[ -n $token ]] || die "smoke test: no token in the answer: $response"
    me=$(curl --silent --show-error --fail --max-time 10 --header "Authorization: Bearer $token" \
        "$API_URL/api/v1/me/") || die "smoke test: GET /api/v1/me/ with the token failed"
    [[ $me == *'"is_staff":true'* ]] || die "smoke test: /api/v1/me/ is not the admin: $me"
    log "ok  POST /api/v1/auth/token/, GET /api/v1/me/ as $(admin_username)"
    curl --silent --output /dev/null --max-time 10 --request DELETE \
        --header "Authorization: Bearer $token" "$API_URL/api/v1/auth/token/" || true
}

print_summary() {
    cat <<SUMMARY

taskmanager is running in kind cluster '$CLUSTER_NAME', namespace $NAMESPACE.

  UI              $UI_URL/
  API             $API_URL/api/v1/   (docs: $API_URL/api/v1/docs/)
  Admin           $API_URL/admin/
  Admin login     $(admin_username) / $(admin_password)
                  (kept in ${SECRETS_DIR#"$ROOT"/}/admin-password; the admin is
                  created with it once, and a password changed later stays)

  kubectl --context kind-$CLUSTER_NAME --namespace $NAMESPACE get pods
  deploy/deploy.sh down     removes the cluster and its data
SUMMARY
}

# --- actions -----------------------------------------------------------------------

up() {
    check_tools
    ensure_cluster
    build_image
    load_image
    ensure_secrets
    apply_overlay
    wait_for_rollouts
    smoke_test
    print_summary
}

down() {
    check_tools
    if ! cluster_exists; then
        log "no kind cluster named '$CLUSTER_NAME'; nothing to do"
        return 0
    fi
    local answer=""
    # Printed by hand: `read -p` stays silent when stdin is not a terminal.
    printf "Delete kind cluster '%s' and its database? [y/N] " "$CLUSTER_NAME" >&2
    read -r answer || true
    if [[ $answer == [yY] || $answer == [yY][eE][sS] ]]; then
        kind delete cluster --name "$CLUSTER_NAME"
        log "deleted; the secret files in ${SECRETS_DIR#"$ROOT"/} are kept for the next cluster"
    else
        log "kept the cluster"
    fi
}

main() {
    case "${1:-up}" in
        up) up ;;
        down) down ;;
        secrets)
            KUBECTL=$(pick_kubectl)
            command -v kind >/dev/null 2>&1 || KUBECTL=""
            ensure_secrets
            log "secrets in ${SECRETS_DIR#"$ROOT"/}"
            ;;
        -h | --help | help) usage ;;
        *)
            usage >&2
            exit 2
            ;;
    esac
}

# Sourcing the file (as the tests do) defines the functions without running anything.
if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
    main "$@"
fi

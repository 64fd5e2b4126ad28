#!/usr/bin/env bash
# One command from a clone to taskmanager running on a local kind cluster.
#
#   deploy/deploy.sh [up]     create the cluster if it is missing (an existing one
#                             and its data are kept), build the image, tag it by
#                             its content and load it into the node, apply
#                             kustomize/overlays/kind with that tag, wait for the
#                             Job that makes the Secrets and for the rollouts, and
#                             smoke-test the roles and Mailpit through their NodePorts
#   deploy/deploy.sh down     delete the cluster and its data (asks first)
#   deploy/deploy.sh app-secrets NAMESPACE
#                             staging or production: create whichever of the
#                             application's Secrets is missing in NAMESPACE of
#                             kubectl's current context, with random values, and
#                             keep the rest (kind's are made in the cluster)
#
# Re-running `up` is safe: it updates in place, and pods restart only when the
# image or their configuration changed.
#
# Environment: CONTAINER_ENGINE=docker|podman (default: docker if it answers,
# else podman), KIND_CLUSTER_NAME (default task-manager), KUBECTL (default:
# kubectl on PATH, else the project's .venv/bin/kubectl).
#
# See docs/KUBERNETES.md.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail

ROOT=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)
CLUSTER_NAME=${KIND_CLUSTER_NAME:-task-manager}
KIND_CONFIG=$ROOT/deploy/kind-config.yaml
NAMESPACE=task-manager
IMAGE_NAME=taskmanager
# Set to IMAGE_NAME:<content id> once built (lib/image.sh).
IMAGE=$IMAGE_NAME
UI_URL=http://localhost:30080
API_URL=http://localhost:30081
MAIL_URL=http://localhost:30082

# shellcheck source=lib/tools.sh
source "$ROOT/deploy/lib/tools.sh"
# shellcheck source=lib/image.sh
source "$ROOT/deploy/lib/image.sh"
# shellcheck source=lib/cluster-secrets.sh
source "$ROOT/deploy/lib/cluster-secrets.sh"
# shellcheck source=lib/smoke.sh
source "$ROOT/deploy/lib/smoke.sh"

usage() {
    sed -n '2,24p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

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

# --- rollout -----------------------------------------------------------------------

# One apply, of the committed overlay with this build's tag: the only rollout.
apply_overlay() {
    write_overlay
    delete_finished_secrets_job
    log "applying kustomize/overlays/kind with $IMAGE to namespace $NAMESPACE"
    kube apply --kustomize "$GENERATED_OVERLAY"
}

wait_for_rollouts() {
    log "waiting for the rollouts"
    kube rollout status statefulset/postgres --namespace "$NAMESPACE" --timeout 600s
    kube rollout status deployment/taskmanager-api --namespace "$NAMESPACE" --timeout 600s
    # Its pods start only once the API's have migrated (their wait-for-migrations step).
    kube rollout status deployment/taskmanager-worker --namespace "$NAMESPACE" --timeout 300s
    kube rollout status deployment/taskmanager-ui --namespace "$NAMESPACE" --timeout 300s
    kube rollout status deployment/mailpit --namespace "$NAMESPACE" --timeout 300s
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

# --- actions -----------------------------------------------------------------------

up() {
    check_tools
    ensure_cluster
    build_image
    load_image
    adopt_generated_secrets
    apply_overlay
    wait_for_secrets
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
    printf "Delete kind cluster '%s', its database and its Secrets? [y/N] " "$CLUSTER_NAME" >&2
    read -r answer || true
    if [[ $answer == [yY] || $answer == [yY][eE][sS] ]]; then
        kind delete cluster --name "$CLUSTER_NAME"
        log "deleted; the next deploy starts with a new database and new passwords"
    else
        log "kept the cluster"
    fi
}

main() {
    case "${1:-up}" in
        up) up ;;
        down) down ;;
        app-secrets)
            [[ $# -eq 2 && -n $2 ]] || {
                usage >&2
                exit 2
            }
            ensure_app_secrets "$2"
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

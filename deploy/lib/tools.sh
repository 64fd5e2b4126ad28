# shellcheck shell=bash
# deploy.sh's messages and the tools it needs: kind, kubectl, docker or podman, curl.

log() { printf '==> %s\n' "$*" >&2; }
die() {
    printf 'deploy.sh: %s\n' "$*" >&2
    exit 1
}

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

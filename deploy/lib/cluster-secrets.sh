# shellcheck shell=bash
# kind's Secrets live in the cluster only: the Job taskmanager-secrets
# (kustomize/components/in-cluster-secrets) makes each missing one. This waits
# for it, reads the admin's password for the smoke test and the summary, and
# carries the Secrets of a cluster deployed before that over to their fixed
# names. `app-secrets` makes staging's and production's with the Job's script.

SECRETS_JOB=taskmanager-secrets
SECRETS_SCRIPT=$ROOT/kustomize/components/in-cluster-secrets/create_secrets.py
CLUSTER_SECRETS=(postgres-credentials taskmanager-api-secrets taskmanager-ui-secrets taskmanager-admin-password)

# A cluster deployed when these Secrets came from files holds them under
# generated names (taskmanager-api-secrets-<hash>), and its database was
# initialised with that password. Each fixed-name Secret that is missing is
# made from the newest generated one, so the Job keeps those values instead of
# making a new password that would lock the API out of the database.
adopt_generated_secrets() {
    local name names newest data
    kube get namespace "$NAMESPACE" >/dev/null 2>&1 || return 0
    names=$(kube get secrets --namespace "$NAMESPACE" --sort-by=.metadata.creationTimestamp --output name)
    for name in "${CLUSTER_SECRETS[@]}"; do
        grep -qx "secret/$name" <<<"$names" && continue
        newest=$(grep -E "^secret/$name-[a-z0-9]{10}\$" <<<"$names" | tail -n 1) || continue
        # {.data} prints the map as JSON: the values stay base64, and off the command line.
        data=$(kube get "$newest" --namespace "$NAMESPACE" --output 'jsonpath={.data}')
        printf '{"apiVersion":"v1","kind":"Secret","metadata":{"name":"%s","labels":{%s}},"type":"Opaque","immutable":true,"data":%s}\n' \
            "$name" '"app.kubernetes.io/part-of":"taskmanager","app.kubernetes.io/managed-by":"deploy.sh"' "$data" |
            kube create --namespace "$NAMESPACE" --filename - >/dev/null
        log "kept ${newest#secret/} as $name (from before the Secrets were made in the cluster)"
    done
}

# A Job's pod template cannot be changed, and the last run's names the last
# build's image: it goes, and the apply creates it anew (it keeps every Secret).
delete_finished_secrets_job() {
    kube delete job "$SECRETS_JOB" --namespace "$NAMESPACE" --ignore-not-found >/dev/null
}

wait_for_secrets() {
    log "waiting for job/$SECRETS_JOB to create the missing Secrets"
    local conditions deadline=$((SECONDS + 300))
    while :; do
        conditions=$(kube get job "$SECRETS_JOB" --namespace "$NAMESPACE" \
            --output 'jsonpath={.status.conditions[?(@.status=="True")].type}' 2>/dev/null) || conditions=""
        case " $conditions " in
            *" Complete "*) break ;;
            *" Failed "*) ;;
            *)
                if ((SECONDS < deadline)); then
                    sleep 2
                    continue
                fi
                ;;
        esac
        kube logs "job/$SECRETS_JOB" --namespace "$NAMESPACE" --tail 20 >&2 || true
        die "job/$SECRETS_JOB did not complete (its log is above); see docs/KUBERNETES.md, Secrets"
    done
    kube logs "job/$SECRETS_JOB" --namespace "$NAMESPACE" 2>/dev/null | sed 's/^/    /' >&2 || true
}

admin_username() {
    sed -n 's/^TASKMANAGER_ADMIN_USERNAME=//p' "$ROOT/kustomize/base/config/api.env"
}

admin_password() {
    kube get secret taskmanager-admin-password --namespace "$NAMESPACE" \
        --output 'jsonpath={.data.password}' | base64 -d
}

# `deploy.sh app-secrets NAMESPACE`: of staging's or production's Secrets
# (docs/PRODUCTION.md, Secrets in staging and production), the three that hold
# nothing but random keys: the two roles' and the admin's password. The secrets
# Job's own script makes them, as it does kind's, but from here through kubectl
# and without the database's (CloudNativePG's Secret, or yours, holds its URL).
# The context is kubectl's current one, not kind's, and is named first.
ensure_app_secrets() {
    local target=$1 context
    KUBECTL=$(pick_kubectl)
    if [[ -z $KUBECTL ]] || ! command -v "$KUBECTL" >/dev/null 2>&1; then
        die "kubectl is missing (https://kubernetes.io/docs/tasks/tools/)"
    fi
    command -v python3 >/dev/null 2>&1 || die "python3 is missing; it runs ${SECRETS_SCRIPT#"$ROOT"/}"
    context=$("$KUBECTL" config current-context) || die "kubectl has no current context"
    log "creating the missing application Secrets in namespace $target of context $context"
    KUBECTL=$KUBECTL python3 -I "$SECRETS_SCRIPT" --namespace "$target" >&2 ||
        die "not all of them exist (above); see docs/PRODUCTION.md, Secrets in staging and production"
    log "the admin's password: $KUBECTL --namespace $target get secret taskmanager-admin-password" \
        "--output jsonpath='{.data.password}' | base64 -d"
}

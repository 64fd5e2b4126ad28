#!/bin/sh
# The image's one entry point, for every role (TASKMANAGER_ROLE=api|ui|worker).
#
#   serve (default)      the HTTP server (deploy/serve.py) for $TASKMANAGER_ROLE on $PORT (api, ui)
#   worker               run background jobs, with /healthz and /readyz on $PORT (worker role)
#   migrate [args]       apply migrations under a database lock, then exit (api role)
#   ensure-admin [args]  create the admin account from TASKMANAGER_ADMIN_* if it is missing (api role)
#   manage <args>        any management command, e.g. `manage check --deploy`
#
# Every command replaces this shell (exec), so the server is PID 1 and gets
# SIGTERM straight from the container runtime.
set -eu

app_dir=$(CDPATH='' cd -- "$(dirname -- "$0")/.." && pwd)
cd "$app_dir"

usage() {
    cat <<'USAGE'
usage: entrypoint.sh [serve | worker | migrate | ensure-admin | manage <command> [args...]]

  serve           run the HTTP server for the role in TASKMANAGER_ROLE (api or ui); the default
  worker          run background jobs from the queue, answering /healthz and /readyz on $PORT (worker role)
  migrate         apply database migrations under a lock, then exit (api role)
  ensure-admin    create the admin account from TASKMANAGER_ADMIN_* if it is missing (api role);
                  --reset-password also sets an existing one's password
  manage ARGS     run `manage.py ARGS`
USAGE
}

# Which role may run which command is the role table's (taskmanager/config/roles.py).
require_role_for() {
    python -m taskmanager.config.roles may-run "$1" || exit 2
}

command=${1:-serve}
if [ $# -gt 0 ]; then shift; fi

case "$command" in
    serve)
        require_role_for serve
        exec python "$app_dir/deploy/serve.py" "$@"
        ;;
    worker)
        require_role_for worker
        exec python manage.py worker "$@"
        ;;
    migrate)
        require_role_for migrate
        exec python manage.py migrate_with_lock --noinput "$@"
        ;;
    ensure-admin)
        require_role_for ensure-admin
        exec python manage.py ensure_admin "$@"
        ;;
    manage)
        if [ $# -eq 0 ]; then
            echo "entrypoint.sh: 'manage' needs a management command, e.g. 'manage check'" >&2
            exit 2
        fi
        exec python manage.py "$@"
        ;;
    -h | --help | help)
        usage
        ;;
    *)
        echo "entrypoint.sh: unknown command '$command'" >&2
        usage >&2
        exit 2
        ;;
esac

"""Read-only API requests read from a replica when DATABASE_REPLICA_URL is set.

A request may use the replica only while it is read-only: a GET, HEAD or
OPTIONS request that has not written anything yet. The first write of a
request, and every read after it, goes to the primary, so a request reads
its own writes. What must never lag stays on the primary: credentials and
users (a revoked token or a password change takes effect at once) and the
admin.

What may lag by the replication delay (CloudNativePG streams WAL; usually
well under a second): the task and project lists, and with them a removed
member's last view of a project. Leave DATABASE_REPLICA_URL unset when that
delay is not acceptable.
"""

from contextvars import ContextVar

from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed

REPLICA = "replica"
PRIMARY = "default"
_READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Apps whose rows decide who the caller is and what they may do with their credentials.
_PRIMARY_ONLY_APPS = frozenset({"auth", "knox", "sessions", "contenttypes", "admin"})

# Whether this request may read from the replica: set per request, cleared by its first write.
_may_read_replica: ContextVar[bool] = ContextVar("may_read_replica", default=False)


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        if _may_read_replica.get() and model._meta.app_label not in _PRIMARY_ONLY_APPS:
            return REPLICA
        return PRIMARY

    def db_for_write(self, model, **hints):
        _may_read_replica.set(False)
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints):
        # One database, two copies of it.
        return True

    def allow_migrate(self, db, app_label, **hints):
        return db == PRIMARY


class ReadReplicaMiddleware:
    """Marks read-only API requests as allowed to read the replica; absent without one."""

    def __init__(self, get_response):
        if REPLICA not in settings.DATABASES:
            raise MiddlewareNotUsed
        self.get_response = get_response

    def __call__(self, request):
        read_only = request.method in _READ_ONLY_METHODS and not request.path.startswith("/admin/")
        token = _may_read_replica.set(read_only)
        try:
            return self.get_response(request)
        finally:
            _may_read_replica.reset(token)

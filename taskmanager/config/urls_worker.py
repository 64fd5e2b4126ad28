"""URL map of the worker role: empty. Its health server (jobs/health.py) answers the probes itself."""

urlpatterns = []

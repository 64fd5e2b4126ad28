"""Prometheus metrics of the three roles.

- ``registry``: every metric the application exports, in one registry.
- ``labels``: what a label may say (route templates, methods, statuses),
  so that no label ever carries a raw path or an id.
- ``wsgi``: requests of either role, counted and timed around Django.
- ``database``: the API's query time per request.
- ``api_calls``: the UI's calls to the API, with the API's route templates.
- ``exporter``: the one metrics endpoint of a pod, served by deploy/serve.py
  in the server's main process from what every worker wrote
  (prometheus-client's multiprocess mode); the worker serves its own.

Nothing here imports prometheus-client: deploy/serve.py reads the default
port before PROMETHEUS_MULTIPROC_DIR is set.
"""

# METRICS_PORT when unset, for every role.
DEFAULT_PORT = 9100

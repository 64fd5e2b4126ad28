"""taskmanager: a multi-user task manager; one codebase, three roles (api, ui, worker)."""

__version__ = "0.1.0"

"""taskmanager: a multi-user task manager; one codebase, two roles (api, ui)."""

__version__ = "0.1.0"

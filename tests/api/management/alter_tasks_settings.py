"""The product's settings plus the test-only ``alter_tasks`` app (tests/api/management/alter_tasks)."""

from taskmanager.config.settings import *  # noqa: F403

INSTALLED_APPS = [*INSTALLED_APPS, "tests.api.management.alter_tasks"]  # noqa: F405

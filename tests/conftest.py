"""Each pytest process runs as one role (settings are per process).

`make test` runs the suite twice: with TASKMANAGER_ROLE=api (everything but
tests/ui) and with TASKMANAGER_ROLE=ui (tests/ui alone).
"""

from pathlib import Path

from django.conf import settings

from taskmanager.config.roles import UI

_HERE = Path(__file__).parent
_UI_TESTS = "ui"

if settings.ROLE == UI:
    collect_ignore = [p.name for p in _HERE.iterdir() if p.is_dir() and p.name != _UI_TESTS]
else:
    collect_ignore = [_UI_TESTS]

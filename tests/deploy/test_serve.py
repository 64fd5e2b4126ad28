"""deploy/serve.py's preparation of the master process before granian forks its workers."""

import gc

from deploy.serve import load_before_fork


def test_the_imported_application_is_frozen_out_of_the_collector_before_the_fork():
    frozen_before = gc.get_freeze_count()
    try:
        # A module the suite has not imported yet, so its objects are new to the collector.
        load_before_fork("wsgiref.simple_server:demo_app")
        frozen_after = gc.get_freeze_count()
    finally:
        gc.unfreeze()
    # Every object tracked until then moves to the permanent generation.
    assert frozen_after > frozen_before
    assert frozen_after > 1000

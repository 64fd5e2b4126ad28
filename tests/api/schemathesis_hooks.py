"""Hooks of the schemathesis run in test_schemathesis.py (loaded through SCHEMATHESIS_HOOKS).

A URL over 8 KiB or headers over 16 KiB are refused with 414 or 431 in front
of Django (taskmanager/config/request_limits.py), before any operation sees
the request; those answers belong to that layer and are tested with it
(tests/config/test_server.py). The fuzzer's requests stay under the limits,
so every case reaches the API.
"""

from urllib.parse import quote, urlencode

import schemathesis

REQUEST_PART_LIMIT = 3000


@schemathesis.hook
def filter_case(context, case):
    query = urlencode(case.query or {}, doseq=True, quote_via=quote)
    headers = (f"{name}: {value}" for name, value in (case.headers or {}).items())
    return len(case.formatted_path) + len(query) < REQUEST_PART_LIMIT and all(
        len(header) < REQUEST_PART_LIMIT for header in headers
    )

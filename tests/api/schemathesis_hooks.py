"""Hooks of the schemathesis run in test_schemathesis.py (loaded through SCHEMATHESIS_HOOKS).

The HTTP server refuses a request line or header longer than its own limit
(4 KB) with its own 414 or 431, before the application sees the request;
that answer belongs to the server and is tested with it. The fuzzer's
requests stay under the limit, so every case reaches the API.
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

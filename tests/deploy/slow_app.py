"""A WSGI application that takes 0.2 s a request, so that concurrent requests need more threads."""

import time


def application(environ, start_response):
    time.sleep(0.2)
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
    return [b"ok"]

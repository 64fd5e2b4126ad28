class ApiErrorMiddleware:
    """Placeholder: turns API outages into a 503 page (built out with the UI)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

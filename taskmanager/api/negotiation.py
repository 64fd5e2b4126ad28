"""Content negotiation that remembers its answers for the Accept headers clients repeat.

DRF parses the Accept header and matches it against every renderer on each
request: 35-41 us of CPU, about 2% of a task's detail (docs/PERFORMANCE.md).
Its answer depends only on the header, the format asked for (suffix or
``?format=``) and the renderers' classes, and clients send the same few
headers again and again; so the answer is kept per process, as the
renderer's position and the media type. Only short headers are kept, and only
so many, so what a client sends cannot grow the process; the rest, and every
refusal (406, an unknown format's 404), are negotiated by DRF each time.
"""

from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.settings import api_settings

# Longer than any browser's or library's default Accept header.
KEPT_HEADER_LENGTH = 256
KEPT_ANSWERS = 128


class RememberingContentNegotiation(DefaultContentNegotiation):
    answers: dict[tuple, tuple[int, str]] = {}

    def select_renderer(self, request, renderers, format_suffix=None):
        accept = request.META.get("HTTP_ACCEPT", "*/*")
        if len(accept) > KEPT_HEADER_LENGTH:
            return super().select_renderer(request, renderers, format_suffix)
        format_asked = format_suffix or request.query_params.get(api_settings.URL_FORMAT_OVERRIDE)
        key = (accept, format_asked, tuple(type(renderer) for renderer in renderers))
        answer = self.answers.get(key)
        if answer is not None:
            position, media_type = answer
            return renderers[position], media_type
        renderer, media_type = super().select_renderer(request, renderers, format_suffix)
        if len(self.answers) < KEPT_ANSWERS:
            position = next(i for i, candidate in enumerate(renderers) if candidate is renderer)
            self.answers[key] = (position, media_type)
        return renderer, media_type

"""Parts of pages rendered by Jinja2 with Django's escaping: the HTML Django's templates gave, byte for byte.

Where the Django template engine's per-node work (variable look-ups,
includes, auto-escaping node by node) was most of a page's render time, the
part is a Jinja2 template, compiled to Python once: the task list's rows,
its filter toolbar, and the sidebar every logged-in page shows twice. The
rest of each page stays a Django template. Every ``{{ ... }}`` goes through
Django's escaping rules (``finalize``), so values are escaped exactly as
Django escapes them.
"""

import html
from types import SimpleNamespace

import jinja2
from django.template.defaulttags import querystring
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import capfirst


def _escaped(value) -> str:
    """Django's conditional_escape without its lazy-string wrapper (a third of the rows' time):
    Django escapes with html.escape too, and leaves what is already safe (``__html__``) as it is."""
    if hasattr(value, "__html__"):
        return value.__html__()
    return html.escape(str(value))


def _querystring(request, **changes) -> str:
    """``{% querystring name=value %}``: Django's own tag, given the request it reads the query from."""
    return querystring(SimpleNamespace(request=request), **changes)


_ENVIRONMENT = jinja2.Environment(
    loader=jinja2.PackageLoader("taskmanager.ui", "jinja2"),
    # Escaping is finalize's: Django's rules, not markupsafe's (which would write &#39; for &#x27;).
    autoescape=False,  # noqa: S701
    finalize=_escaped,
    keep_trailing_newline=True,
    auto_reload=False,
)
_ENVIRONMENT.filters["capfirst"] = capfirst
_ENVIRONMENT.globals["querystring"] = _querystring


def render_fragment(template: str, **context) -> SafeString:
    page = _ENVIRONMENT.get_template(template).render(**context)
    return mark_safe(page)  # noqa: S308 (every value in it went through _escaped)

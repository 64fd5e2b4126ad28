"""The task list's rows as HTML, rendered by Jinja2.

A page of 20 to 100 rows spent most of its render time in the Django
template engine's per-row work (variable look-ups, includes, auto-escaping
node by node); Jinja2 compiles the same template to Python once. The rest
of the page stays a Django template. Every ``{{ ... }}`` goes through
Django's ``conditional_escape`` (``finalize``), so values are escaped exactly
as Django escapes them and the HTML is the same, byte for byte.
"""

import jinja2
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import capfirst

_ENVIRONMENT = jinja2.Environment(
    loader=jinja2.PackageLoader("taskmanager.ui", "jinja2"),
    # Escaping is finalize's: Django's rules, not markupsafe's (which would write &#39; for &#x27;).
    autoescape=False,  # noqa: S701
    finalize=conditional_escape,
    keep_trailing_newline=True,
    auto_reload=False,
)
_ENVIRONMENT.filters["capfirst"] = capfirst


def task_rows_html(rows, *, any_editable: bool) -> SafeString:
    """The ``<li>`` of each row (views.lists.Row), in order."""
    html = _ENVIRONMENT.get_template("ui/task_rows.html").render(rows=rows, any_editable=any_editable)
    return mark_safe(html)  # noqa: S308 (every value in it went through conditional_escape)

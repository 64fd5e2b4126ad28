"""The task list's rows as HTML, rendered by Jinja2 (ui/fragments.py says why and how)."""

from django.utils.safestring import SafeString

from taskmanager.ui.fragments import render_fragment


def task_rows_html(rows, *, any_editable: bool) -> SafeString:
    """The ``<li>`` of each row (views.lists.Row), in order."""
    return render_fragment("ui/task_rows.html", rows=rows, any_editable=any_editable)

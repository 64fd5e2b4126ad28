"""The parts of pages Jinja2 renders (ui.fragments): Django's escaping, Django's query strings.

That they are the HTML the Django templates gave, byte for byte, was checked
when they moved (every list scope, filtered and paged, an archived project,
awkward names); these pin what a port could silently get wrong.
"""

from types import SimpleNamespace

from django.test import RequestFactory

from taskmanager.ui.fragments import render_fragment
from taskmanager.ui.list_query import STATUSES, ListChoices
from taskmanager.ui.views.common import NavItem, Sidebar

AWKWARD = 'Tom\'s <b>"big"</b> & co'
ESCAPED = "Tom&#x27;s &lt;b&gt;&quot;big&quot;&lt;/b&gt; &amp; co"  # Django's escapes, not markupsafe's
NEW_PROJECT = NavItem("New project", "/projects/new/")


def sidebar_html(**parts) -> str:
    sidebar = Sidebar(**{"places": [], "projects": [], "archived": [], "new_project": NEW_PROJECT, **parts})
    return str(render_fragment("ui/sidebar.html", sidebar=sidebar))


def test_the_sidebar_escapes_names_and_marks_the_current_place_as_django_did():
    html = sidebar_html(
        places=[NavItem("All tasks", "/", count=3)],
        projects=[NavItem(AWKWARD, "/projects/p/", current=True, count=0, color="green")],
    )
    assert f'<span class="nav__label">{ESCAPED}</span>' in html
    assert '<a class="nav__link" href="/projects/p/" aria-current="page">' in html
    assert '<span class="swatch swatch--green" aria-hidden="true"></span>' in html
    # A count shows only when there is one.
    assert (
        '<span class="nav__count" title="Open tasks">3<span class="visually-hidden"> open</span></span>'
        in html
    )
    assert html.count("nav__count") == 1
    assert "No projects yet." not in html
    assert 'href="/" aria-current' not in html


def test_the_sidebar_without_projects_says_so_and_still_offers_a_new_one():
    html = sidebar_html(places=[NavItem("All tasks", "/")])
    assert '<li class="nav__none">No projects yet.</li>' in html
    assert '<a class="nav__link nav__link--new" href="/projects/new/">' in html
    assert '<span class="nav__plus" aria-hidden="true">+</span>' in html
    assert "nav__archived" not in html


def test_archived_projects_fold_away_unless_one_of_them_is_the_current_page():
    archived = [NavItem("Old", "/projects/o/"), NavItem("Older", "/projects/q/")]
    folded = sidebar_html(archived=archived)
    assert '<details class="nav__archived">' in folded
    assert "<summary>Archived projects (2)</summary>" in folded
    current = [NavItem("Old", "/projects/o/", current=True), archived[1]]
    assert '<details class="nav__archived" open>' in sidebar_html(archived=current)


def filters_html(url: str, **query) -> str:
    choices = ListChoices()
    defaults = {"status": "all", "search": "", "priority": "", "tag": "", "sort": "", "per_page": 20}
    defaults["overdue"] = defaults["is_filtered"] = False
    return str(
        render_fragment(
            "ui/list_filters.html",
            request=RequestFactory().get(url),
            scope=SimpleNamespace(url="/"),
            query=SimpleNamespace(**{**defaults, **query}),
            tags=[{"name": AWKWARD, "task_count": 2}, {"name": "work", "task_count": 5}],
            statuses=STATUSES,
            priority_filters=choices.priority_filters,
            sorts=choices.sorts,
            page_sizes=choices.page_sizes,
            search_max_length=choices.search_max_length,
        )
    )


def test_the_status_tabs_keep_the_other_filters_and_drop_the_page_as_djangos_querystring_did():
    html = filters_html(
        "/?q=a%26b&tag=work&page=3", status="open", search="a&b", tag="work", is_filtered=True
    )
    assert '<a class="tab" href="/?q=a%26b&amp;tag=work&amp;status=all">All</a>' in html
    assert '<a class="tab" href="/?q=a%26b&amp;tag=work&amp;status=open" aria-current="page">Open</a>' in html
    assert 'name="q" type="search" value="a&amp;b"' in html
    assert '<input type="hidden" name="status" value="open">' in html
    assert '<a class="btn btn--ghost" href="/">Reset</a>' in html


def test_the_selects_mark_the_current_choices_and_escape_tag_names():
    html = filters_html("/", priority="high", tag=AWKWARD, per_page=50, overdue=True)
    assert '<option value="high" selected>High</option>' in html
    assert f'<option value="{ESCAPED}" selected>{ESCAPED} (2)</option>' in html
    assert '<option value="work">work (5)</option>' in html
    assert '<option value="50" selected>50</option>' in html
    assert 'value="1" checked> Overdue only' in html
    assert 'maxlength="200"' in html
    assert "Reset" not in html

from django.http import QueryDict

from taskmanager.ui.list_query import TaskListQuery


def parse(query: str) -> TaskListQuery:
    return TaskListQuery.from_query(QueryDict(query))


def test_defaults_ask_the_api_for_the_first_page_only():
    assert parse("").api_params() == {"limit": 20, "offset": 0}


def test_every_filter_maps_to_the_api_parameter():
    query = parse(
        "status=completed&priority=low&tag=home&overdue=1&q=%20milk%20&sort=-due_date&per_page=50&page=3"
    )
    assert query.api_params() == {
        "limit": 50,
        "offset": 100,
        "completed": "true",
        "priority": "low",
        "tag": "home",
        "overdue": "true",
        "search": "milk",
        "ordering": "-due_date",
    }


def test_values_that_do_not_parse_fall_back_to_defaults():
    query = parse("status=maybe&priority=urgent&sort=drop+table&per_page=7&page=-4")
    assert query == TaskListQuery()


def test_url_query_leaves_out_defaults_and_applies_changes():
    query = parse("tag=work&page=2")
    assert query.url_query() == "?tag=work&page=2"
    assert query.url_query(page=1) == "?tag=work"
    assert TaskListQuery().url_query() == ""


def test_canonical_queries_are_recognised():
    assert parse("tag=work&page=2").is_canonical(QueryDict("page=2&tag=work"))
    assert not parse("q=&tag=work").is_canonical(QueryDict("q=&tag=work"))
    assert not parse("page=1").is_canonical(QueryDict("page=1"))

"""Filtering, searching, sorting and paging: all kept in the URL, so links and the back button work."""

import re
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

from playwright.sync_api import expect

from tests.e2e.support import shown


def query_of(page) -> dict:
    return parse_qs(urlsplit(page.url).query)


def titles(page):
    return page.locator("[data-task] .task__title")


def seed_mixed(user):
    yesterday = str(datetime.now(UTC).date() - timedelta(days=1))
    user.create_task(title="Prepare the board slides", priority="high", tags=["work"])
    user.create_task(title="Fix the leaking tap", priority="high", tags=["home"], due_date=yesterday)
    user.create_task(title="Submit the expense report", priority="medium", tags=["work"], completed=True)
    user.create_task(title="Buy birthday present", priority="medium", tags=["personal"])
    user.create_task(
        title="Archive old photos", priority="low", tags=["home"], description="The report box too"
    )


def test_filters_combine_and_live_in_the_url(page, logged_in, screenshot):
    seed_mixed(logged_in)
    page.goto("/")
    expect(titles(page)).to_have_count(5)

    page.get_by_label("Priority", exact=True).nth(1).select_option("high")
    page.get_by_role("button", name="Apply").click()
    assert query_of(page)["priority"] == ["high"]
    expect(titles(page)).to_have_text(
        ["Fix the leaking tap", "Prepare the board slides"], use_inner_text=True
    )

    # A tag chip narrows the current view further.
    page.get_by_role("link", name="#home").first.click()
    assert query_of(page) == {"priority": ["high"], "tag": ["home"]}
    expect(titles(page)).to_have_text(["Fix the leaking tap"])
    screenshot(page, "filtered")

    page.go_back()
    assert "tag" not in query_of(page)
    expect(titles(page)).to_have_count(2)

    page.get_by_role("link", name="Reset").click()
    page.get_by_role("link", name="Completed", exact=True).click()
    assert query_of(page) == {"status": ["completed"]}
    expect(titles(page)).to_have_text(["Submit the expense report"])
    expect(page.get_by_role("link", name="Completed", exact=True)).to_have_attribute("aria-current", "page")

    page.get_by_role("link", name="Open", exact=True).click()
    expect(titles(page)).to_have_count(4)

    page.goto("/")
    page.get_by_label("Overdue only").check()
    page.get_by_role("button", name="Apply").click()
    expect(titles(page)).to_have_text(["Fix the leaking tap"])

    # A bookmarked filtered view opens as it was left.
    page.goto("/?status=open&tag=work")
    expect(titles(page)).to_have_text(["Prepare the board slides"])
    expect(page.get_by_label("Tag", exact=True)).to_have_value("work")


def test_search_matches_title_and_description(page, logged_in):
    seed_mixed(logged_in)
    page.goto("/")
    page.get_by_label("Search").fill("report")
    page.get_by_label("Search").press("Enter")
    assert query_of(page)["q"] == ["report"]
    expect(titles(page)).to_have_text(["Archive old photos", "Submit the expense report"])
    expect(page.get_by_label("Search")).to_have_value("report")

    page.get_by_label("Search").fill("no such thing")
    page.get_by_role("button", name="Apply").click()
    expect(page.get_by_text("No tasks match these filters.")).to_be_visible()


def test_sort_orders_come_from_the_api(page, logged_in):
    seed_mixed(logged_in)
    page.goto("/")
    page.get_by_label("Sort", exact=True).select_option(label="Title A to Z")
    page.get_by_role("button", name="Apply").click()
    assert query_of(page)["sort"] == ["title"]
    expect(titles(page)).to_have_text(
        [
            "Archive old photos",
            "Buy birthday present",
            "Fix the leaking tap",
            "Prepare the board slides",
            "Submit the expense report",
        ]
    )
    page.get_by_label("Sort", exact=True).select_option(label="Lowest priority")
    page.get_by_role("button", name="Apply").click()
    expect(titles(page).first).to_have_text("Archive old photos")


def test_paging_through_a_long_list(page, logged_in):
    for number in range(1, 46):
        logged_in.create_task(title=f"Task {number:02d}", priority="medium")
    page.goto("/")
    expect(page.locator("[data-range]")).to_have_text(shown(1, 20, 45))
    expect(titles(page).first).to_have_text("Task 45")  # newest first
    expect(page.get_by_text("Page 1 of 3")).to_be_visible()

    page.get_by_role("link", name="Next →").click()
    assert query_of(page)["page"] == ["2"]
    expect(page.locator("[data-range]")).to_have_text(shown(21, 40, 45))
    expect(titles(page).first).to_have_text("Task 25")

    page.get_by_role("link", name="Next →").click()
    expect(page.locator("[data-range]")).to_have_text(shown(41, 45, 45))
    expect(titles(page)).to_have_count(5)
    expect(page.get_by_role("link", name="Next →")).to_have_count(0)

    page.go_back()
    expect(page.locator("[data-range]")).to_have_text(shown(21, 40, 45))
    page.get_by_role("link", name="← Previous").click()
    expect(page.locator("[data-range]")).to_have_text(shown(1, 20, 45))

    page.get_by_label("Per page").select_option("50")
    page.get_by_role("button", name="Apply").click()
    expect(titles(page)).to_have_count(45)
    expect(page.get_by_role("navigation", name="Pages")).to_have_count(0)


def test_an_action_returns_to_the_same_filtered_page(page, logged_in):
    for number in range(1, 26):
        logged_in.create_task(title=f"Chore {number:02d}", priority="low", tags=["chores"])
    page.goto("/?tag=chores&sort=title&page=2")
    expect(titles(page).first).to_have_text("Chore 21")
    page.get_by_role("button", name="Complete “Chore 22”").click()
    expect(page.get_by_text("Completed “Chore 22”.")).to_be_visible()
    assert query_of(page) == {"tag": ["chores"], "sort": ["title"], "page": ["2"]}
    expect(page.locator("[data-range]")).to_have_text(shown(21, 25, 25))


def test_a_page_past_the_end_shows_the_last_page(page, logged_in):
    for number in range(1, 4):
        logged_in.create_task(title=f"Item {number}")
    page.goto("/?page=7")
    assert query_of(page) == {}
    expect(titles(page)).to_have_count(3)


def test_phone_width_fits_the_screen(browser, stack, user, screenshot):
    from tests.e2e.support import log_in

    context = browser.new_context(
        base_url=stack.ui.url, viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True
    )
    try:
        page = context.new_page()
        log_in(page, user)
        seed_mixed(user)
        page.goto("/")
        expect(titles(page)).to_have_count(5)
        # Nothing wider than the screen: no sideways scrolling on a phone.
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        expect(page.get_by_role("button", name="Add task")).to_be_visible()
        screenshot(page, "phone")
        # The sidebar is a menu that opens without JavaScript (a <details> element).
        expect(page.get_by_role("link", name="Assigned to me")).to_be_hidden()
        page.locator("summary", has_text="Menu").click()
        expect(page.get_by_role("link", name="Assigned to me")).to_be_visible()
        expect(page.get_by_role("link", name="New project")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        screenshot(page, "phone-menu", full_page=False)
    finally:
        context.close()


def test_pages_keep_to_the_content_security_policy_and_cache_static_files(page, logged_in):
    logged_in.create_task(title="Check the headers", tags=["ops"])
    response = page.goto("/")
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert response.headers["cache-control"].startswith("max-age=0")
    for href in page.locator("link[rel=stylesheet], script[src]").evaluate_all(
        "nodes => nodes.map(n => n.href || n.src)"
    ):
        # Content-hashed names, so they can be cached for a year.
        assert re.search(r"\.[0-9a-f]{12}\.(css|js)$", href), href
        static = page.request.get(href)
        assert static.status == 200
        assert "max-age=31536000" in static.headers["cache-control"]
    assert page.console_errors == []

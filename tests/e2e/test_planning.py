"""Planning in a real browser: the time zone offered from the browser, a due time shown back
in it, a weekly repeat on two days in words, completing it and taking that back."""

import re
from datetime import datetime

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import DESKTOP
from tests.e2e.support import log_in


@pytest.fixture
def tokyo_page(browser, stack):
    """A browser whose clock and zone are Tokyo's, as the user's own machine would be."""
    context = browser.new_context(
        base_url=stack.ui.url, viewport=DESKTOP, locale="en-US", timezone_id="Asia/Tokyo"
    )
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


def row(page, title):
    return page.locator("[data-task]", has=page.get_by_role("link", name=title, exact=True))


def test_plan_in_the_users_zone_repeat_weekly_complete_and_undo(tokyo_page, user, screenshot):
    page = tokyo_page
    log_in(page, user)

    # The settings page offers the browser's zone until the user chooses one.
    page.get_by_role("link", name="Settings").click()
    expect(page.get_by_label("Time zone")).to_have_value("Asia/Tokyo")
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_text("Settings saved.")).to_be_visible()
    assert user.api.get("/me/").json()["time_zone"] == "Asia/Tokyo"

    # A date and a time, in Tokyo; the API keeps the instant in UTC.
    page.goto("/tasks/new/")
    page.get_by_label("Title").fill("Team call")
    page.get_by_label("Due date").fill("2030-01-07")  # a Monday
    page.get_by_label("Time").fill("09:30")
    page.get_by_label("Repeat").select_option("weekly")
    page.get_by_label("Mon").check()
    page.get_by_label("Thu").check()
    page.get_by_role("button", name="Add task").click()
    (task,) = user.api.get("/tasks/").json()["results"]
    assert task["due_at"] == "2030-01-07T00:30:00Z"
    assert task["recurrence"] == "FREQ=WEEKLY;BYDAY=MO,TH"
    the_row = row(page, "Team call")
    expect(the_row.locator("[data-due]")).to_contain_text("7 Jan 2030, 09:30")
    expect(the_row.locator("[data-repeat]")).to_contain_text("Every week on Mon and Thu")
    screenshot(page, "planning-list", full_page=False)

    # Completing moves it to Thursday, still 09:30 in Tokyo; Undo puts Monday back.
    the_row.get_by_role("button", name=re.compile("complete", re.I)).first.click()
    expect(page.get_by_text("Next due 10 Jan 2030, 09:30.")).to_be_visible()
    expect(the_row.locator("[data-due]")).to_contain_text("10 Jan 2030, 09:30")
    page.get_by_role("button", name="Undo").click()
    expect(page.get_by_text("is back to its previous due")).to_be_visible()
    expect(row(page, "Team call").locator("[data-due]")).to_contain_text("7 Jan 2030, 09:30")
    assert datetime.fromisoformat(user.api.get(f"/tasks/{task['id']}/").json()["due_at"]).hour == 0


def test_break_a_task_into_subtasks_check_and_reorder_them(page, logged_in, screenshot):
    parent = logged_in.create_task(title="Move house")
    page.goto(f"/tasks/{parent['id']}/edit/")
    for title in ("Book the van", "Pack the books", "Return the keys"):
        page.get_by_label("Add a subtask").fill(title)
        page.get_by_role("button", name="Add subtask").click()
        expect(page.locator("[data-subtask]", has_text=title)).to_be_visible()
    page.get_by_role("button", name="Complete “Book the van”").click()
    expect(page.locator("[data-subtask-progress]")).to_have_text("1/3")
    page.get_by_role("button", name="Move “Return the keys” up").click()
    expect(page.locator("[data-subtask]")).to_have_text(
        [re.compile("Book the van"), re.compile("Return the keys"), re.compile("Pack the books")]
    )
    screenshot(page, "subtasks")
    # The list shows the parent only, with its progress.
    page.goto("/")
    expect(page.locator("[data-task]")).to_have_count(1)
    expect(page.locator("[data-subtask-progress]")).to_have_text("1/3")

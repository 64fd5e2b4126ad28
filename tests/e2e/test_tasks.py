"""Managing tasks in a real browser: adding, editing, completing, deleting, bulk actions, errors."""

import re
from datetime import UTC, datetime, timedelta

from playwright.sync_api import expect

from tests.e2e.support import shown


def today():
    # The API counts "overdue" against the UTC date.
    return datetime.now(UTC).date()


def row(page, title):
    return page.locator("[data-task]", has=page.get_by_role("link", name=title, exact=True))


def stat(page, name):
    return page.locator(f"[data-stat={name}]")


def seed_showcase(user):
    """A realistic list: every priority, overdue and upcoming dates, tags, one completed task."""
    day = today()
    user.create_task(
        title="Renew passport",
        description="Photos, the form and the old passport; the office closes at 4 pm on Fridays.",
        priority="high",
        due_date=str(day - timedelta(days=2)),
        tags=["errands", "personal"],
    )
    user.create_task(
        title="Write the quarterly report",
        priority="high",
        due_date=str(day + timedelta(days=3)),
        tags=["work"],
    )
    user.create_task(title="Book a dentist appointment", priority="medium", tags=["health"])
    user.create_task(
        title="Review the architecture proposal",
        description="Leave comments on the data model section before Thursday's meeting.",
        priority="medium",
        due_date=str(day + timedelta(days=7)),
        tags=["reading", "work"],
    )
    user.create_task(title="Water the plants", priority="low", tags=["home"], completed=True)
    user.create_task(title="Sort out the bookshelf", priority="low", due_date=str(day + timedelta(days=20)))


def test_list_shows_priority_due_date_tags_state_and_stats(page, logged_in, screenshot):
    seed_showcase(logged_in)
    page.goto("/")

    expect(page.locator("[data-task]")).to_have_count(6)
    expect(stat(page, "total")).to_have_text("6")
    expect(stat(page, "open")).to_have_text("5")
    expect(stat(page, "completed")).to_have_text("1")
    expect(stat(page, "overdue")).to_have_text("1")

    passport = row(page, "Renew passport")
    expect(passport).to_have_class(re.compile(r"\btask--overdue\b"))
    expect(passport.locator(".due")).to_contain_text("Overdue")
    expect(passport.locator(".badge")).to_have_text("High priority")
    expect(passport.locator(".tag")).to_have_text(["#errands", "#personal"])
    expect(passport.locator(".task__description")).to_contain_text("Photos, the form")

    report = row(page, "Write the quarterly report")
    expect(report).not_to_have_class(re.compile(r"\btask--overdue\b"))
    expect(report.locator(".due")).to_contain_text("Due")

    plants = row(page, "Water the plants")
    expect(plants).to_have_class(re.compile(r"\btask--done\b"))
    expect(plants.get_by_role("button", name="Reopen “Water the plants”")).to_be_visible()
    # The default order puts open tasks first, completed ones last.
    expect(page.locator("[data-task] .task__title").last).to_have_text("Water the plants")
    expect(page.locator("[data-range]")).to_have_text(shown(1, 6, 6))
    assert page.console_errors == []
    screenshot(page, "task-list")


def test_add_a_task_from_the_list_with_every_field(page, logged_in):
    page.goto("/")
    expect(page.get_by_text("No tasks yet.")).to_be_visible()
    page.get_by_label("Title", exact=True).fill("Plan the team offsite")
    page.get_by_label("Priority", exact=True).first.select_option("high")
    page.get_by_label("Due date").fill(str(today() + timedelta(days=5)))
    page.get_by_label("Tags").fill("Work, planning")
    page.get_by_text("Add a description").click()
    page.get_by_label("Description").fill("Venue, agenda and travel.")
    page.get_by_role("button", name="Add task").click()

    expect(page.get_by_text("Added “Plan the team offsite”.")).to_be_visible()
    task = row(page, "Plan the team offsite")
    expect(task.locator(".badge")).to_have_text("High priority")
    expect(task.locator(".tag")).to_have_text(["#planning", "#work"])
    expect(task.locator(".task__description")).to_have_text("Venue, agenda and travel.")
    expect(task.locator(".due time")).to_have_attribute("datetime", str(today() + timedelta(days=5)))
    stored = logged_in.api.get("/tasks/").json()["results"]
    assert [(t["title"], t["priority"], t["tags"]) for t in stored] == [
        ("Plan the team offsite", "high", ["planning", "work"])
    ]


def test_add_a_task_with_the_keyboard_only(page, logged_in):
    page.goto("/")
    page.get_by_label("Title", exact=True).focus()
    page.keyboard.type("Call the plumber")
    page.keyboard.press("Enter")
    expect(page.get_by_text("Added “Call the plumber”.")).to_be_visible()
    expect(row(page, "Call the plumber").locator(".badge")).to_have_text("Medium priority")


def test_edit_every_field_on_the_edit_page(page, logged_in, screenshot):
    task = logged_in.create_task(
        title="Draft the budget", description="First pass.", priority="low", tags=["finance"]
    )
    page.goto("/?priority=low")
    row(page, "Draft the budget").get_by_role("link", name="Edit “Draft the budget”").click()
    expect(page).to_have_url(re.compile(rf"/tasks/{task['id']}/edit/\?next="))
    expect(page.get_by_label("Title")).to_have_value("Draft the budget")
    expect(page.get_by_label("Tags")).to_have_value("finance")
    screenshot(page, "task-edit")

    page.get_by_label("Title").fill("Draft the 2027 budget")
    page.get_by_label("Description").fill("Second pass, with the hiring plan.")
    page.get_by_label("Priority").select_option("high")
    page.get_by_label("Due date").fill("2030-01-31")
    page.get_by_label("Tags").fill("finance, planning")
    page.get_by_label("Completed").check()
    page.get_by_role("button", name="Save changes").click()

    # Back on the view the edit started from; the task no longer matches priority=low.
    expect(page).to_have_url(re.compile(r"/\?priority=low$"))
    expect(page.get_by_text("Saved “Draft the 2027 budget”.")).to_be_visible()
    saved = logged_in.api.get(f"/tasks/{task['id']}/").json()
    assert {k: saved[k] for k in ("title", "description", "priority", "due_date", "tags", "completed")} == {
        "title": "Draft the 2027 budget",
        "description": "Second pass, with the hiring plan.",
        "priority": "high",
        "due_date": "2030-01-31",
        "tags": ["finance", "planning"],
        "completed": True,
    }


def test_complete_and_reopen_with_one_click(page, logged_in):
    logged_in.create_task(title="Pay the electricity bill", priority="high")
    page.goto("/")
    page.get_by_role("button", name="Complete “Pay the electricity bill”").click()
    expect(page.get_by_text("Completed “Pay the electricity bill”.")).to_be_visible()
    expect(row(page, "Pay the electricity bill")).to_have_class(re.compile(r"\btask--done\b"))
    expect(stat(page, "completed")).to_have_text("1")

    page.get_by_role("button", name="Reopen “Pay the electricity bill”").click()
    expect(page.get_by_text("Reopened “Pay the electricity bill”.")).to_be_visible()
    expect(row(page, "Pay the electricity bill")).not_to_have_class(re.compile(r"\btask--done\b"))
    expect(stat(page, "completed")).to_have_text("0")


def test_delete_asks_for_confirmation_first(page, logged_in):
    logged_in.create_task(title="Old idea")
    page.goto("/")
    page.get_by_role("link", name="Delete “Old idea”").click()
    expect(page.get_by_role("heading", name="Delete this task?")).to_be_visible()
    page.get_by_role("link", name="Keep it").click()
    expect(row(page, "Old idea")).to_have_count(1)

    page.get_by_role("link", name="Delete “Old idea”").click()
    page.get_by_role("button", name="Delete task").click()
    expect(page.get_by_text("Deleted “Old idea”.")).to_be_visible()
    expect(row(page, "Old idea")).to_have_count(0)
    assert logged_in.api.get("/tasks/").json()["count"] == 0


def test_api_field_errors_show_next_to_the_field_and_keep_the_input(page, logged_in):
    page.goto("/")
    # A title of spaces passes the browser's `required` check; the API refuses it.
    page.get_by_label("Title", exact=True).fill("   ")
    page.get_by_label("Tags").fill("ok, not a tag!")
    page.get_by_role("button", name="Add task").click()

    expect(page.get_by_role("heading", name="New task")).to_be_visible()
    expect(page.locator("#id_title_error")).to_be_visible()
    expect(page.get_by_label("Tags")).to_have_value("ok, not a tag!")

    page.get_by_label("Title").fill("Buy stamps")
    page.get_by_role("button", name="Add task").click()
    expect(page.locator("#id_tags_error")).to_contain_text("not a tag!")
    expect(page.get_by_label("Title")).to_have_value("Buy stamps")
    assert logged_in.api.get("/tasks/").json()["count"] == 0

    page.get_by_label("Tags").fill("ok, errands")
    page.get_by_role("button", name="Add task").click()
    expect(page.get_by_text("Added “Buy stamps”.")).to_be_visible()
    expect(row(page, "Buy stamps").locator(".tag")).to_have_text(["#errands", "#ok"])


def test_edit_page_shows_api_errors_and_keeps_the_input(page, logged_in):
    task = logged_in.create_task(title="Tidy the garage")
    page.goto(f"/tasks/{task['id']}/edit/")
    page.get_by_label("Description").fill("Boxes to the attic.")
    page.get_by_label("Tags").fill("home, bad tag")
    page.get_by_role("button", name="Save changes").click()
    expect(page.locator("#id_tags_error")).to_contain_text("bad tag")
    expect(page.get_by_label("Description")).to_have_value("Boxes to the attic.")
    assert logged_in.api.get(f"/tasks/{task['id']}/").json()["tags"] == []


def test_bulk_complete_reopen_delete_and_clear_completed(page, logged_in):
    for title in ("Alpha", "Bravo", "Charlie", "Delta"):
        logged_in.create_task(title=title)
    page.goto("/")

    page.get_by_label("Select “Alpha”").check()
    page.get_by_label("Select “Bravo”").check()
    expect(page.locator("[data-selected-count]")).to_have_text("2 selected")
    page.get_by_role("button", name="Complete selected").click()
    expect(page.get_by_text("Completed 2 tasks.")).to_be_visible()
    expect(stat(page, "completed")).to_have_text("2")

    # "Select all" is a JavaScript enhancement; without it, boxes are ticked one by one.
    page.get_by_label("Select all").check()
    page.get_by_role("button", name="Reopen selected").click()
    expect(page.get_by_text("Reopened 2 tasks.")).to_be_visible()
    expect(stat(page, "completed")).to_have_text("0")

    page.get_by_label("Select “Alpha”").check()
    page.get_by_label("Select “Charlie”").check()
    page.get_by_role("button", name="Delete selected").click()
    expect(page.get_by_role("heading", name="Delete 2 selected tasks?")).to_be_visible()
    page.get_by_role("button", name="Delete 2 tasks").click()
    expect(page.get_by_text("Deleted 2 tasks.")).to_be_visible()
    expect(page.locator("[data-task] .task__title")).to_have_text(["Delta", "Bravo"])

    page.get_by_role("button", name="Complete “Delta”").click()
    page.get_by_role("link", name="Clear completed (1)").click()
    expect(page.get_by_role("heading", name="Clear 1 completed task?")).to_be_visible()
    page.get_by_role("button", name="Clear completed").click()
    expect(page.get_by_text("Cleared 1 task.")).to_be_visible()
    expect(page.locator("[data-task] .task__title")).to_have_text(["Bravo"])


def test_bulk_action_without_a_selection_explains_itself(page, logged_in):
    logged_in.create_task(title="Lonely task")
    page.goto("/")
    page.get_by_role("button", name="Complete selected").click()
    expect(page.get_by_text("Select one or more tasks first.")).to_be_visible()
    expect(stat(page, "completed")).to_have_text("0")

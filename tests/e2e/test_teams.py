"""Shared projects in two browsers: an owner and a member, roles, assignees, and what a viewer may do."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import DESKTOP
from tests.e2e.support import log_in

VIEWER_REFUSAL = "You need the editor role in this project to change its tasks."


@pytest.fixture
def two_users(browser, stack):
    """An owner and a teammate, each logged in in a browser context of their own."""
    contexts, users = [], []
    for _ in range(2):
        user = stack.register_user()
        context = browser.new_context(base_url=stack.ui.url, viewport=DESKTOP, locale="en-US")
        context.set_default_timeout(15_000)
        page = context.new_page()
        log_in(page, user)
        contexts.append(context)
        users.append((user, page))
    yield users
    for context in contexts:
        context.close()
    for user, _page in users:
        user.api.close()


def row(page, title):
    return page.locator("[data-task]", has=page.get_by_role("link", name=title, exact=True))


def sidebar(page):
    return page.locator("aside.sidebar")


def member_row(page, username):
    return page.locator(f"[data-member='{username}']")


def seed_more(owner, project_id, mate):
    """Company for the screenshots: other projects in the sidebar, more tasks in this one."""
    owner.api.post("/projects/", json={"name": "Website refresh", "color": "teal"})
    owner.api.post("/projects/", json={"name": "Winter campaign", "color": "amber", "archived": True})
    day = datetime.now(UTC).date()
    owner.create_task(
        project=project_id,
        title="Book the venue",
        priority="high",
        due_date=str(day + timedelta(days=5)),
        tags=["events"],
        assignee=owner.username,
    )
    owner.create_task(
        project=project_id,
        title="Order the banners",
        priority="medium",
        due_date=str(day - timedelta(days=1)),
        tags=["print"],
        assignee=mate.username,
    )
    owner.create_task(
        project=project_id,
        title="Collect quotes from caterers",
        description="Three quotes, vegetarian options included.",
        priority="low",
    )


def test_owner_shares_a_project_assigns_a_task_and_demotes_the_teammate_to_viewer(two_users, screenshot):
    (owner, owner_page), (mate, mate_page) = two_users

    # The owner creates a project from the sidebar.
    sidebar(owner_page).get_by_role("link", name="New project").click()
    owner_page.get_by_label("Name").fill("Launch plan")
    owner_page.get_by_label("Purple").check()
    owner_page.get_by_label("Description").fill("Everything for the spring launch.")
    owner_page.get_by_role("button", name="Create project").click()
    expect(owner_page.get_by_text("Created the project “Launch plan”.")).to_be_visible()
    expect(owner_page.get_by_role("heading", name="Launch plan", level=1)).to_be_visible()
    expect(owner_page.locator("[data-role]")).to_have_text("Your role: Owner")
    project_url = owner_page.url
    project_id = re.search(r"/projects/([0-9a-f-]{36})/$", project_url).group(1)
    expect(sidebar(owner_page).get_by_role("link", name="Launch plan")).to_have_attribute(
        "aria-current", "page"
    )

    # ... adds the teammate as an editor (an unknown name gets the API's message on the field).
    owner_page.get_by_role("link", name="Members").click()
    owner_page.get_by_label("Username").fill("nobody-by-that-name")
    owner_page.get_by_role("button", name="Add member").click()
    expect(owner_page.locator("#id_username_error")).to_have_text(
        "There is no user with that username to add."
    )
    owner_page.get_by_label("Username").fill(mate.username)
    owner_page.get_by_label("Role", exact=True).select_option("editor")
    owner_page.get_by_role("button", name="Add member").click()
    expect(owner_page.get_by_text(f"Added {mate.username} as editor.")).to_be_visible()
    expect(member_row(owner_page, mate.username)).to_contain_text("Editor")

    # ... and creates a task from the project page, assigned to the teammate.
    owner_page.goto(project_url)
    owner_page.get_by_role("link", name=re.compile("^More options")).click()
    expect(owner_page.get_by_label("Project", exact=True)).to_have_value(project_id)
    owner_page.get_by_label("Title").fill("Draft the press release")
    owner_page.get_by_label("Assigned to").select_option(mate.username)
    owner_page.get_by_label("Priority").select_option("high")
    owner_page.get_by_role("button", name="Add task").click()
    expect(owner_page).to_have_url(project_url)
    expect(row(owner_page, "Draft the press release").locator("[data-assignee]")).to_have_text(
        f"Assigned to @{mate.username}"
    )
    (task,) = owner.api.get("/tasks/", params={"project": project_id}).json()["results"]
    assert (task["assignee"], task["priority"]) == (mate.username, "high")

    # The teammate finds it under "Assigned to me", with its project named, and completes it.
    mate_page.goto("/")
    sidebar(mate_page).get_by_role("link", name="Assigned to me").click()
    expect(mate_page.get_by_role("heading", name="Assigned to me", level=1)).to_be_visible()
    assigned = row(mate_page, "Draft the press release")
    expect(assigned.locator(".project-chip")).to_contain_text("Launch plan")
    assigned.get_by_role("button", name="Complete “Draft the press release”").click()
    expect(mate_page.get_by_text("Completed “Draft the press release”.")).to_be_visible()

    # The owner sees it completed.
    seed_more(owner, project_id, mate)
    owner_page.goto(project_url)
    expect(row(owner_page, "Draft the press release")).to_have_class(re.compile(r"\btask--done\b"))
    screenshot(owner_page, "project")

    # The owner demotes the teammate to viewer.
    owner_page.get_by_role("link", name="Members").click()
    member_row(owner_page, mate.username).get_by_label(f"Role of {mate.username}", exact=True).select_option(
        "viewer"
    )
    member_row(owner_page, mate.username).get_by_role(
        "button", name=f"Change the role of {mate.username}"
    ).click()
    expect(owner_page.get_by_text(f"{mate.username} is now viewer.")).to_be_visible()
    expect(member_row(owner_page, mate.username)).to_contain_text("Viewer")
    screenshot(owner_page, "members")

    # The viewer's page has no controls to change anything.
    mate_page.goto(project_url)
    expect(mate_page.locator("[data-role]")).to_have_text("Your role: Viewer")
    expect(mate_page.locator("[data-read-only]")).to_be_visible()
    done = row(mate_page, "Draft the press release")
    expect(done).to_have_count(1)
    for control in ("Reopen “Draft the press release”", "Complete “Draft the press release”"):
        expect(mate_page.get_by_role("button", name=control)).to_have_count(0)
    expect(mate_page.get_by_role("link", name="Edit “Draft the press release”")).to_have_count(0)
    expect(mate_page.get_by_role("link", name="Delete “Draft the press release”")).to_have_count(0)
    expect(mate_page.get_by_role("button", name="Reopen selected")).to_have_count(0)
    expect(mate_page.get_by_role("button", name="Add task")).to_have_count(0)
    expect(mate_page.get_by_role("link", name=re.compile("^Clear completed"))).to_have_count(0)
    expect(mate_page.get_by_role("link", name="Project settings")).to_have_count(0)

    # A forged POST (with the page's own CSRF token) is refused by the API, whose message is shown.
    token = mate_page.locator("input[name=csrfmiddlewaretoken]").first.get_attribute("value")
    forged = mate_page.request.post(
        f"/tasks/{task['id']}/toggle/",
        form={"csrfmiddlewaretoken": token, "completed": "false", "next": f"/projects/{project_id}/"},
        headers={"Referer": project_url},
    )
    assert forged.ok, forged.status
    assert forged.url == project_url
    assert VIEWER_REFUSAL in forged.text()
    assert owner.api.get(f"/tasks/{task['id']}/").json()["completed"] is True

    # The viewer may still leave; the owner, the last one, may not (the API's 409, shown).
    owner_page.get_by_role("link", name="Leave project").click()
    owner_page.get_by_role("button", name="Leave project").click()
    expect(owner_page.locator(".message--error")).to_contain_text("A project needs an owner")
    expect(owner_page).to_have_url(re.compile(rf"/projects/{project_id}/members/$"))


@pytest.mark.parametrize("javascript", [False, True], ids=["without-js", "with-js"])
def test_the_assignee_picker_follows_the_chosen_project(browser, stack, javascript):
    owner, mate = stack.register_user(), stack.register_user()
    project = owner.api.post("/projects/", json={"name": "Garden", "color": "green"}).json()
    owner.api.post(f"/projects/{project['id']}/members/", json={"username": mate.username, "role": "editor"})
    context = browser.new_context(base_url=stack.ui.url, viewport=DESKTOP, java_script_enabled=javascript)
    try:
        page = context.new_page()
        log_in(page, owner)
        page.goto("/tasks/new/")
        assignees = page.get_by_label("Assigned to").locator("option")
        expect(assignees).to_have_text(["Nobody", owner.username])  # the Inbox's only member
        page.get_by_label("Title").fill("Plant the tulips")
        refresh = page.get_by_role("button", name="Show its members")
        if javascript:
            # The script presses the button itself when the project changes.
            expect(refresh).to_be_hidden()
            page.get_by_label("Project", exact=True).select_option(label="Garden")
        else:
            page.get_by_label("Project", exact=True).select_option(label="Garden")
            refresh.click()
        expect(page.get_by_role("status").filter(has_text="Nothing is saved yet")).to_be_visible()
        expect(page.get_by_label("Title")).to_have_value("Plant the tulips")
        expect(assignees).to_have_text(["Nobody", owner.username, mate.username])
        page.get_by_label("Assigned to").select_option(mate.username)
        page.get_by_role("button", name="Add task").click()
        expect(page.get_by_text("Added “Plant the tulips”.")).to_be_visible()
        (task,) = owner.api.get("/tasks/", params={"project": project["id"]}).json()["results"]
        assert task["assignee"] == mate.username
    finally:
        context.close()
        owner.api.close()
        mate.api.close()

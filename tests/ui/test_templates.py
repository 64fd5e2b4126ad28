"""Templates keep to the Content-Security-Policy: no inline script, style or event handlers."""

import re
from pathlib import Path

import pytest

import taskmanager.ui

UI = Path(taskmanager.ui.__file__).parent
# The Django templates and the Jinja2 ones (the parts ui/fragments.py renders).
TEMPLATES = sorted([*(UI / "templates").rglob("*.html"), *(UI / "jinja2").rglob("*.html")])


def test_there_are_templates_to_check():
    assert len(TEMPLATES) >= 10


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: str(p.relative_to(UI)))
def test_no_inline_script_style_or_handlers(template):
    html = template.read_text()
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline <script>"
    assert "<style" not in html
    assert not re.search(r"\sstyle=", html), "style attribute"
    assert not re.search(r"\son[a-z]+=", html), "inline event handler"
    assert not re.search(r"(src|href)=\"(https?:)?//", html), "external resource"

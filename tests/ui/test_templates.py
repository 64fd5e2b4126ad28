"""Templates keep to the Content-Security-Policy: no inline script, style or event handlers."""

import re
from pathlib import Path

import pytest

import taskmanager.ui

TEMPLATES = sorted((Path(taskmanager.ui.__file__).parent / "templates").rglob("*.html"))


def test_there_are_templates_to_check():
    assert len(TEMPLATES) >= 10


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: p.name)
def test_no_inline_script_style_or_handlers(template):
    html = template.read_text()
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline <script>"
    assert "<style" not in html
    assert not re.search(r"\sstyle=", html), "style attribute"
    assert not re.search(r"\son[a-z]+=", html), "inline event handler"
    assert not re.search(r"(src|href)=\"(https?:)?//", html), "external resource"

"""Where the roles with a database find their SMTP server: EMAIL_URL, or the file
EMAIL_URL_FILE names (the production overlays mount a Secret's key), which wins."""

import json

from tests.processes import TEST_SECRET_KEY, clean_env, manage

SHOW = (
    "import json\n"
    "from django.conf import settings as s\n"
    "print(json.dumps([s.EMAIL_BACKEND, s.EMAIL_HOST, s.EMAIL_PORT, s.EMAIL_USE_TLS,"
    " s.EMAIL_HOST_USER, s.EMAIL_HOST_PASSWORD]))\n"
)


def _email(**variables) -> list:
    env = clean_env(TASKMANAGER_ROLE="worker", SECRET_KEY=TEST_SECRET_KEY, **variables)
    result = manage("shell", "--no-imports", "-c", SHOW, env=env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


def test_without_a_url_mails_are_printed():
    assert _email()[0] == "django.core.mail.backends.console.EmailBackend"


def test_the_file_wins_over_the_variable_and_its_password_is_decoded(tmp_path):
    secret = tmp_path / "url"
    secret.write_text("smtp+tls://mailer:p%40ss@smtp.example.com:587\n")
    shown = _email(EMAIL_URL="smtp://ignored:25", EMAIL_URL_FILE=str(secret))
    assert shown == [
        "django.core.mail.backends.smtp.EmailBackend",
        "smtp.example.com",
        587,
        True,
        "mailer",
        "p@ss",
    ]

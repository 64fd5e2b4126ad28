"""The counting behind the limits on password work."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from taskmanager.accounts.limits import Limited, Rate, WindowCount, reserve


@pytest.mark.parametrize(
    ("text", "rate"),
    [
        ("10/min", Rate(10, 60)),
        ("1000/hour", Rate(1000, 3600)),
        ("3/s", Rate(3, 1)),
        ("5/day", Rate(5, 86400)),
    ],
)
def test_rates_are_written_as_drf_writes_them(settings, text, rate):
    settings.TASKMANAGER_LOGIN_RATE = text

    assert Rate.from_setting("TASKMANAGER_LOGIN_RATE") == rate


@pytest.mark.parametrize("text", ["", "10", "ten/min", "0/min", "-1/min", "10/fortnight", "10/"])
def test_a_mistyped_rate_names_the_setting_and_the_form(settings, text):
    settings.TASKMANAGER_SIGNUP_RATE = text

    with pytest.raises(ImproperlyConfigured, match=r"TASKMANAGER_SIGNUP_RATE .*<count>/<period>"):
        Rate.from_setting("TASKMANAGER_SIGNUP_RATE")


def test_a_window_says_how_long_until_it_ends():
    count = WindowCount("test", "key", Rate(5, 60), now=6_000_000_045.2)

    assert count.retry_after == 15


def test_windows_restart_and_keys_do_not_share_counts():
    rate = Rate(2, 60)
    first = [WindowCount("test", "a", rate, now=6_000_000_000.0).add() for _ in range(3)]
    other_key = WindowCount("test", "b", rate, now=6_000_000_000.0).add()
    next_window = WindowCount("test", "a", rate, now=6_000_000_060.0).add()

    assert (first, other_key, next_window) == ([1, 2, 3], 1, 1)


def test_a_refused_reservation_gives_back_what_it_took():
    loose = WindowCount("test", "loose", Rate(100, 60))
    tight = WindowCount("test", "tight", Rate(1, 60))
    reserve((tight, "tight"))

    with pytest.raises(Limited) as excinfo:
        reserve((loose, "loose"), (tight, "too many"))

    assert str(excinfo.value) == "too many"
    assert excinfo.value.retry_after >= 1
    assert loose.add() == 1  # the refused attempt's count was taken back

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


START = 6_000_000_000.0  # the start of a minute, an hour and a day


def counts(key: str, rate: Rate, *moments: float) -> list[float]:
    return [WindowCount("test", key, rate, now=START + moment).add() for moment in moments]


def test_within_one_window_it_counts_one_by_one_and_per_key():
    rate = Rate(2, 60)

    assert counts("a", rate, 1, 2, 3) == [1, 2, 3]
    assert counts("b", rate, 4) == [1]


def test_a_full_window_still_counts_early_in_the_next_so_no_double_burst_fits_a_boundary():
    rate = Rate(2, 60)
    counts("a", rate, 58, 59)

    (early,) = counts("a", rate, 62)

    assert early == pytest.approx(1 + 2 * (58 / 60))
    assert early > rate.count


def test_the_previous_window_fades_out_as_the_window_slides():
    rate = Rate(2, 60)
    counts("a", rate, 58, 59)

    assert counts("a", rate, 96) == [pytest.approx(1 + 2 * (24 / 60))]
    counts("b", rate, 1, 2)
    assert counts("b", rate, 200) == [1]  # two windows later: nothing left


def test_retry_after_is_when_one_more_fits_again():
    rate = Rate(2, 60)
    counts("a", rate, 58, 59)
    refused = WindowCount("test", "a", rate, now=START + 62)
    refused.add()

    # 1 + 2 * (1 - f) <= 2 once half of the previous minute has slid out: at 90 s.
    assert refused.retry_after == 28


def test_retry_after_when_the_current_window_itself_is_full():
    rate = Rate(2, 60)
    counts("a", rate, 1, 2)
    refused = WindowCount("test", "a", rate, now=START + 10)
    refused.add()

    # The rest of this minute (50 s), then until half of it has slid out (30 s).
    assert refused.retry_after == 80


def test_a_refused_reservation_gives_back_what_it_took():
    loose = WindowCount("test", "loose", Rate(100, 60))
    tight = WindowCount("test", "tight", Rate(1, 60))
    reserve((tight, "tight"))

    with pytest.raises(Limited) as excinfo:
        reserve((loose, "loose"), (tight, "too many"))

    assert str(excinfo.value) == "too many"
    assert excinfo.value.retry_after >= 1
    assert loose.add() == 1  # the refused attempt's count was taken back

"""A repeat rule in English words."""

import pytest

from taskmanager.tasks.recurrence import RECUR_FROM_COMPLETION, RECUR_FROM_DUE, recurrence_text


class TestText:
    @pytest.mark.parametrize(
        ("rule", "text"),
        [
            ("FREQ=DAILY", "Every day"),
            ("FREQ=DAILY;INTERVAL=3", "Every 3 days"),
            ("FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR", "Every weekday"),
            ("FREQ=WEEKLY;BYDAY=FR,TH,WE,TU,MO", "Every weekday"),
            ("FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR,SA,SU", "Every day"),
            ("FREQ=WEEKLY", "Every week"),
            ("FREQ=WEEKLY;BYDAY=MO", "Every week on Mon"),
            ("FREQ=WEEKLY;INTERVAL=2;BYDAY=TH,MO", "Every 2 weeks on Mon and Thu"),
            ("FREQ=WEEKLY;BYDAY=MO,WE,FR", "Every week on Mon, Wed and Fri"),
            ("FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TU,WE,TH,FR", "Every 2 weeks on Mon, Tue, Wed, Thu and Fri"),
            ("FREQ=MONTHLY", "Every month"),
            ("FREQ=MONTHLY;BYMONTHDAY=31", "Every month on the 31st"),
            ("FREQ=MONTHLY;BYMONTHDAY=-1", "Every month on the last day"),
            ("FREQ=MONTHLY;BYMONTHDAY=-2", "Every month on the 2nd to last day"),
            ("FREQ=MONTHLY;BYMONTHDAY=1,15", "Every month on the 1st and the 15th"),
            ("FREQ=MONTHLY;INTERVAL=3;BYMONTHDAY=22", "Every 3 months on the 22nd"),
            ("FREQ=MONTHLY;BYMONTHDAY=11", "Every month on the 11th"),
            ("FREQ=MONTHLY;BYDAY=1MO", "Every month on the first Monday"),
            ("FREQ=MONTHLY;BYDAY=-1FR", "Every month on the last Friday"),
            ("FREQ=MONTHLY;BYDAY=3WE", "Every month on the 3rd Wednesday"),
            ("FREQ=MONTHLY;BYMONTHDAY=13;BYDAY=FR", "Every month on the 13th when it is a Fri"),
            ("FREQ=YEARLY", "Every year"),
            ("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29", "Every year on 29 Feb"),
            ("FREQ=YEARLY;BYMONTH=3;BYDAY=2SU", "Every year in March on the 2nd Sunday"),
            ("FREQ=YEARLY;BYMONTH=3", "Every year in March"),
            ("FREQ=YEARLY;BYMONTH=1,7;BYMONTHDAY=1", "Every year in January and July on the 1st"),
            ("FREQ=YEARLY;BYMONTHDAY=5", "Every year on the 5th of every month"),
            ("FREQ=YEARLY;BYDAY=20MO", "Every year on the 20th Monday"),
            ("FREQ=YEARLY;INTERVAL=2;BYMONTH=12;BYMONTHDAY=-1", "Every 2 years in December on the last day"),
            ("FREQ=DAILY;COUNT=5", "Every day, 5 times"),
            ("FREQ=DAILY;COUNT=1", "Every day, once"),
            ("FREQ=WEEKLY;BYDAY=MO;UNTIL=20271231", "Every week on Mon, until 31 Dec 2027"),
            ("FREQ=DAILY;UNTIL=20271231T230000Z", "Every day, until 31 Dec 2027 23:00 UTC"),
            ("", ""),
        ],
    )
    def test_rule_in_words(self, rule, text):
        assert recurrence_text(rule) == text

    @pytest.mark.parametrize(
        ("rule", "text"),
        [
            ("FREQ=DAILY;INTERVAL=3", "Every 3 days after completion"),
            ("FREQ=WEEKLY", "Every week after completion"),
            ("FREQ=DAILY;INTERVAL=3;COUNT=4", "Every 3 days after completion, 4 times"),
        ],
    )
    def test_repeating_from_completion_in_words(self, rule, text):
        assert recurrence_text(rule, RECUR_FROM_COMPLETION) == text

    def test_due_is_the_default(self):
        rule = "FREQ=DAILY;INTERVAL=3"

        assert recurrence_text(rule) == recurrence_text(rule, RECUR_FROM_DUE) == "Every 3 days"

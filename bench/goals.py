"""The issue's goals for the API and the UI, and the baselines they are judged against, in one place."""

# API reads (detail, list, stats): at least this share of the Django floor's rate for the same request.
READ_RATIO_TO_DJANGO_FLOOR = 0.5
READS = ("list_100", "list_50", "detail", "stats")
# API writes (create, PATCH, bulk): at least this share of the raw floor's rate for the same transaction.
WRITE_RATIO_TO_RAW_FLOOR = 0.5
# Every API target, driven open-loop at half the rate wrk measured for it in the same run.
P99_MS_AT_HALF_SATURATION = 50.0
OPEN_LOOP_SHARE_OF_SATURATION = 0.5

# The UI list page (50 tasks a page): API calls it makes per page, at most, and
# pages/s as a multiple of the same page at UI_BASELINE_COMMIT (the code before
# the performance work), served in the same run (bench/baseline.py), at least.
UI_API_CALLS_PER_PAGE = 2
UI_SPEEDUP_OVER_BASELINE = 2.0
UI_BASELINE_COMMIT = "eb13dba"


def judging_floor(kind: str) -> tuple[str, float]:
    """The floor an API request of this kind is judged against, and the share of its rate wanted."""
    return ("django", READ_RATIO_TO_DJANGO_FLOOR) if kind in READS else ("raw", WRITE_RATIO_TO_RAW_FLOOR)

"""What each user chooses about how the product treats them (Django's user table is not ours to extend)."""

from django.conf import settings
from django.db import models

TIME_ZONE_MAX_LENGTH = 64


class Preferences(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, primary_key=True, on_delete=models.CASCADE, related_name="preferences"
    )
    # An IANA name; blank until the user first chooses one (until then UTC
    # applies, and the UI offers the browser's zone).
    time_zone = models.CharField(max_length=TIME_ZONE_MAX_LENGTH, blank=True, default="")
    email_reminders = models.BooleanField(default=True)

    class Meta:
        verbose_name_plural = "preferences"

    def __str__(self):
        return f"preferences of user {self.user_id}"

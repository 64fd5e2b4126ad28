"""Every user gets an Inbox when the account is made, whichever way it is made
(sign-up, ensure_admin, createsuperuser, the admin's "add user")."""

from django.conf import settings
from django.db.models.signals import post_save
from django.dispatch import receiver


@receiver(post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="projects.inbox_for_new_user")
def inbox_for_new_user(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        from taskmanager.projects.services import inbox_create

        inbox_create(user=instance)

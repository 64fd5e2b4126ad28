"""Accounts and projects, whichever way an account is made or removed (sign-up,
ensure_admin, createsuperuser, the admin's "add user" and "delete user"):
every user gets an Inbox, and a shared project never loses its last owner
with the account."""

from django.conf import settings
from django.db.models.signals import post_save, pre_delete
from django.dispatch import receiver


@receiver(post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="projects.inbox_for_new_user")
def inbox_for_new_user(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        from taskmanager.projects.services import inbox_create

        inbox_create(user=instance)


@receiver(pre_delete, sender=settings.AUTH_USER_MODEL, dispatch_uid="projects.hand_over_before_deletion")
def hand_over_before_deletion(sender, instance, **kwargs):
    from taskmanager.projects.services import projects_hand_over

    projects_hand_over(user=instance)

from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class ApiConfig(AppConfig):
    name = "taskmanager.api"


class LimitedAdminConfig(admin_apps.AdminConfig):
    """The Django admin, on a site whose login has the token endpoint's limits."""

    default_site = "taskmanager.api.admin_site.LimitedAdminSite"
    # Named in INSTALLED_APPS in place of django.contrib.admin; never this app's own config.
    default = False

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProgressConfig(AppConfig):
    name = "portal.progress"
    label = "progress"
    verbose_name = _("Progress, certificates and assignments")

    def ready(self):
        from portal.progress import receivers  # noqa: F401

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContentCacheConfig(AppConfig):
    name = "portal.content_cache"
    label = "content_cache"
    verbose_name = _("Content version and its cache")

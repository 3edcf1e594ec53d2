from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContentTransferConfig(AppConfig):
    """Moving content in and out: the curriculum files, content packs and Moodle GIFT. Above
    education and quizzes, which know nothing of these formats."""

    name = "portal.content_transfer"
    label = "content_transfer"
    verbose_name = _("Content transfer")

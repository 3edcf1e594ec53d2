from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QuizzesConfig(AppConfig):
    name = "quizzes"
    verbose_name = _("Quizzes")

    def ready(self):
        from education.workflow import DRAFTABLE_MODELS
        from quizzes.models import Quiz

        if Quiz not in DRAFTABLE_MODELS:
            DRAFTABLE_MODELS.append(Quiz)

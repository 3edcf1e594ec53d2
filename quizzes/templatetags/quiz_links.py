from django import template
from django.db.models import Exists, OuterRef

from quizzes.models import Attempt, Quiz

register = template.Library()


@register.inclusion_tag("quizzes/_lesson_quizzes.html", takes_context=True)
def lesson_quizzes(context, lesson):
    """The quizzes of a published lesson, with whether this learner has passed each."""
    user = context["request"].user
    passed = Attempt.objects.passed().filter(learner=user, quiz=OuterRef("pk"))
    quizzes = (
        Quiz.objects.live()
        .filter(lesson=lesson)
        .only("slug", "title")
        .annotate(has_passed=Exists(passed))
    )
    return {"quizzes": quizzes}

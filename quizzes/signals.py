"""Events that higher layers (progress) listen to, so quizzes never imports them."""

from django.dispatch import Signal

# Sent after an attempt's grading is committed: kwargs attempt.
attempt_graded = Signal()

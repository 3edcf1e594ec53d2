"""Events that higher layers (progress) listen to, so education never imports them."""

from django.dispatch import Signal

# Sent after a learner's lesson completion is committed: kwargs learner, lesson.
lesson_completed = Signal()

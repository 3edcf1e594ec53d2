"""Events that higher layers (progress) listen to, so education never imports them."""

from django.dispatch import Signal

# Sent after a learner's lesson completion is committed: kwargs learner, lesson.
lesson_completed = Signal()

# Sent after the commit of a draft submitted for review: kwargs obj, user, comment.
submitted_for_review = Signal()

# Sent after a learner's problem report is committed: kwargs report.
problem_reported = Signal()

# Sent after a problem report is resolved: kwargs report.
problem_resolved = Signal()

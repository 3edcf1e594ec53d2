from django.db import models
from django.db.models import Q


class ContentVersion(models.Model):
    """One row whose number moves with every write to the content tables, however it is made
    (a save, `.update()`, a bulk load, SQL): database triggers move it (triggers.py), in the
    same transaction as the write. What every learner is shown alike is cached under it
    (outline.py)."""

    number = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(id=1), name="content_version_single_row"),
        ]

    def __str__(self):
        return f"content version {self.number}"

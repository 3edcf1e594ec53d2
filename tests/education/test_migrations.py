"""Unmigrating is refused in words before it would fail half-way."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from education import workflow
from education.models import Course
from tests.education.factories import make_course

BEFORE_COURSE_DRAFTS = ("education", "0003_add_workflow_history_and_reports")


@pytest.mark.django_db(transaction=True)
def test_unmigrating_below_course_drafts_is_refused_while_course_drafts_exist(admin_user):
    course = make_course("course")
    draft = workflow.start_draft(live=course, user=admin_user)
    executor = MigrationExecutor(connection)
    leaves = executor.loader.graph.leaf_nodes()
    try:
        with pytest.raises(RuntimeError, match="Publish or delete the course drafts"):
            executor.migrate([BEFORE_COURSE_DRAFTS])
    finally:
        # Migrations that depend on course drafts (in other apps) were undone first.
        executor = MigrationExecutor(connection)
        executor.migrate(leaves)
    assert Course.objects.get(pk=draft.pk).draft_of == course

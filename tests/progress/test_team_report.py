import csv
import io
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from education import progress as lesson_progress
from portal.accounts.models import Profession
from portal.progress.models import Assignment, CourseCompletion
from tests.education.factories import make_course, make_lesson


@pytest.fixture
def course(db):
    course = make_course("foundations")
    make_lesson(course, "one", position=1)
    make_lesson(course, "two", position=2)
    return course


@pytest.fixture
def supervisor_client(client, supervisor):
    client.force_login(supervisor)
    return client


def csv_rows(response):
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_a_supervisor_sees_only_their_teams(supervisor_client, learner, other_learner, course):
    page = supervisor_client.get(reverse("progress:team-report")).content.decode()
    assert "Nina Nurse" in page
    assert "omar" not in page


def test_every_report_path_is_scoped(supervisor_client, learner, other_learner, course):
    assert (
        supervisor_client.get(
            reverse("progress:learner-detail", args=[other_learner.pk])
        ).status_code
        == 404
    )
    assert (
        supervisor_client.get(reverse("progress:learner-detail", args=[learner.pk])).status_code
        == 200
    )
    rows = csv_rows(supervisor_client.get(reverse("progress:team-export")))
    assert {row[0] for row in rows[1:]} == {"nina", "sue"}
    forged = supervisor_client.get(
        reverse("progress:team-report"), {"team": other_learner.team_id}
    )
    assert "omar" not in forged.content.decode()


def test_a_learner_who_moves_team_leaves_the_report_at_once(
    supervisor_client, learner, other_team, course
):
    learner.team = other_team
    learner.save()
    assert (
        "Nina Nurse" not in supervisor_client.get(reverse("progress:team-report")).content.decode()
    )
    assert (
        supervisor_client.get(reverse("progress:learner-detail", args=[learner.pk])).status_code
        == 404
    )


def test_learners_get_a_404_on_every_report_path(learner_client, learner, course):
    for url in (
        reverse("progress:team-report"),
        reverse("progress:team-export"),
        reverse("progress:learner-detail", args=[learner.pk]),
    ):
        assert learner_client.get(url).status_code == 404


def test_editors_see_everyone(client, editor, learner, other_learner, course):
    client.force_login(editor)
    page = client.get(reverse("progress:team-report")).content.decode()
    assert "Nina Nurse" in page and "omar" in page


def test_filters_by_profession_and_status(supervisor_client, learner, make_user, team, course):
    make_user("rita", team=team, profession=Profession.RESIDENT, display_name="Rita Resident")
    for lesson in course.lessons.all():
        lesson_progress.mark_complete(learner=learner, lesson=lesson)
    page = supervisor_client.get(
        reverse("progress:team-report"), {"profession": "resident"}
    ).content.decode()
    assert "Rita Resident" in page and "Nina Nurse" not in page
    page = supervisor_client.get(
        reverse("progress:team-report"), {"status": "not_started"}
    ).content.decode()
    assert "Rita Resident" in page and "Nina Nurse" not in page


def test_the_csv_has_the_report_rows_and_neutralises_formulas(
    supervisor_client, make_user, team, course
):
    make_user("eve", team=team, display_name='=HYPERLINK("http://x")')
    rows = csv_rows(supervisor_client.get(reverse("progress:team-export")))
    assert rows[0][:3] == ["Username", "Name", "Profession"]
    eve = next(row for row in rows if row[0] == "eve")
    assert eve[1] == '\'=HYPERLINK("http://x")'
    assert eve[4] == "Foundations"
    assert eve[5] == "0"


def test_a_row_counts_team_and_personal_assignments_and_shows_the_earliest_date(
    supervisor_client, supervisor, learner, make_user, team, course
):
    today = timezone.localdate()
    make_user("tom", team=team, display_name="Tom Teammate")
    Assignment.objects.create(
        course=course, team=team, due_on=today - timedelta(days=3), assigned_by=supervisor
    )
    Assignment.objects.create(
        course=course, learner=learner, due_on=today - timedelta(days=9), assigned_by=supervisor
    )
    rows = {
        row[0]: row for row in csv_rows(supervisor_client.get(reverse("progress:team-export")))
    }
    assert rows["nina"][6:] == [
        "Overdue",
        "",
        "0/2",
        "0/0",
        "",
        "2",
        str(today - timedelta(days=9)),
    ]
    assert rows["tom"][11:] == ["1", str(today - timedelta(days=3))]
    page = supervisor_client.get(reverse("progress:team-report")).content.decode()
    assert f"due {date_format(today - timedelta(days=9), 'j M Y')}" in page
    # Nina, Tom and Sue (the supervisor works on the ward too) are all overdue.
    assert page.count('<span class="badge text-bg-danger">Overdue</span>') == 3


def test_a_completed_course_shows_its_date_and_no_longer_counts_as_overdue(
    supervisor_client, supervisor, learner, team, course, django_capture_on_commit_callbacks
):
    Assignment.objects.create(
        course=course,
        team=team,
        due_on=timezone.localdate() - timedelta(days=1),
        assigned_by=supervisor,
    )
    with django_capture_on_commit_callbacks(execute=True):
        for lesson in course.lessons.all():
            lesson_progress.mark_complete(learner=learner, lesson=lesson)
    completed_on = CourseCompletion.objects.get(learner=learner).completed_at
    page = supervisor_client.get(reverse("progress:team-report")).content.decode()
    assert page.count("Overdue</span>") == 1  # Sue's, not Nina's
    assert date_format(timezone.localdate(completed_on), "j M Y") in page
    nina = next(
        row
        for row in csv_rows(supervisor_client.get(reverse("progress:team-export")))
        if row[0] == "nina"
    )
    assert nina[5:8] == ["100", "Completed", completed_on.date().isoformat()]
    assert nina[11] == "0"


@pytest.mark.parametrize("size", [3, 30])
def test_the_report_uses_a_fixed_number_of_queries(
    supervisor_client, make_user, team, course, size, django_assert_max_num_queries
):
    for n in range(size):
        make_user(f"l{n}", team=team)
    supervisor_client.get(reverse("progress:team-report"))
    # Session, user and their two permission queries; courses, the page's count and its
    # learners; what counts towards each course (2); lessons done, best scores (when the
    # courses have quizzes), completions, assignments; the assignment totals, the updated
    # lessons and the team choices of the filter form.
    with django_assert_max_num_queries(16):
        assert supervisor_client.get(reverse("progress:team-report")).status_code == 200


def test_each_further_chunk_of_the_csv_costs_only_its_own_queries(
    supervisor_client, make_user, team, course, monkeypatch
):
    monkeypatch.setattr("portal.progress.views.reports.CSV_CHUNK", 2)

    def export_queries():
        with CaptureQueriesContext(connection) as queries:
            rows = csv_rows(supervisor_client.get(reverse("progress:team-export")))
        return len(rows), len(queries)

    for n in range(2):
        make_user(f"a{n}", team=team)
    rows_one_chunk, one_chunk = export_queries()
    for n in range(4):
        make_user(f"b{n}", team=team)
    rows_three_chunks, three_chunks = export_queries()
    assert rows_three_chunks == rows_one_chunk + 4
    # Per chunk: its learners, their lessons, completions and assignments (and best scores,
    # when the courses have quizzes); what counts towards each course is worked out once.
    assert three_chunks - one_chunk == 2 * 4

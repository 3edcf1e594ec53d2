import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from education import reading as lesson_progress
from education.models import Course, Status
from portal.accounts.models import Profession, User
from portal.progress.models import Assignment, CourseCompletion, completion_facts
from portal.progress.rows import filter_learners, report_rows
from quizzes import services
from tests.education.factories import make_course, make_lesson
from tests.quizzes.factories import make_quiz, take_quiz


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


def test_learners_get_a_403_on_every_report_path(learner_client, learner, course):
    for url in (
        reverse("progress:team-report"),
        reverse("progress:team-export"),
        reverse("progress:learner-detail", args=[learner.pk]),
    ):
        assert learner_client.get(url).status_code == 403


@pytest.fixture
def hospital_wide(make_user):
    """Somebody the hospital has granted every learner's progress (no role has it)."""
    user = make_user("hana", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_all_progress"))
    return user


def test_only_a_person_granted_it_sees_everyone_and_editors_do_not(
    client, hospital_wide, editor, reviewer, learner, other_learner, course
):
    client.force_login(hospital_wide)
    page = client.get(reverse("progress:team-report")).content.decode()
    assert "Nina Nurse" in page and "omar" in page
    for staff in (editor, reviewer):  # the content's people: item statistics, not people
        client.force_login(staff)
        assert client.get(reverse("progress:team-report")).status_code == 403
        assert client.get(reverse("progress:team-export")).status_code == 403
        attempts = client.get(reverse("admin:quizzes_attempt_changelist"))
        assert attempts.status_code == 403
        assert client.get(reverse("progress:statistics")).status_code == 200


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


def csv_records(response):
    """The CSV's lines as {column title: cell}."""
    header, *rows = csv_rows(response)
    return [dict(zip(header, row, strict=True)) for row in rows]


def test_the_csv_counts_are_plain_numbers_a_spreadsheet_cannot_take_for_dates(
    supervisor_client, learner, course
):
    quiz = make_quiz(course.lessons.get(slug="one"), slug="bones", questions=2)
    lesson_progress.mark_complete(learner=learner, lesson=course.lessons.get(slug="two"))
    take_quiz(learner, quiz, "right")
    records = csv_records(supervisor_client.get(reverse("progress:team-export")))
    nina = next(record for record in records if record["Username"] == "nina")
    assert {
        title: nina[title]
        for title in (
            "Lessons completed",
            "Lessons in the course",
            "Quizzes passed",
            "Quizzes in the course",
        )
    } == {
        "Lessons completed": "1",
        "Lessons in the course": "2",
        "Quizzes passed": "1",
        "Quizzes in the course": "1",
    }
    # "1/2" in a cell would open as the 1st of February.
    assert not [cell for record in records for cell in record.values() if "/" in cell]


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
        "0",
        "2",
        "0",
        "0",
        "",
        "2",
        str(today - timedelta(days=9)),
        "",
        "0",
    ]
    assert rows["tom"][13:] == ["1", str(today - timedelta(days=3)), "", "0"]
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
    assert nina[5:8] == ["100", "Completed", timezone.localdate(completed_on).isoformat()]
    assert nina[13] == "0"


def test_a_completion_after_midnight_in_summer_time_has_the_local_date_on_page_and_csv(
    supervisor_client, learner, course
):
    # 23:30 UTC on 1 July is 00:30 on 2 July in London.
    completed_at = datetime(2026, 7, 1, 23, 30, tzinfo=UTC)
    CourseCompletion.objects.create(
        learner=learner, course=course, completed_at=completed_at, **completion_facts(course)
    )
    page = supervisor_client.get(reverse("progress:team-report")).content.decode()
    assert "2 Jul 2026" in page and "1 Jul 2026" not in page
    nina = next(
        row
        for row in csv_rows(supervisor_client.get(reverse("progress:team-export")))
        if row[0] == "nina"
    )
    assert nina[7] == "2026-07-02"


@pytest.mark.parametrize("size", [3, 30])
def test_the_report_uses_a_fixed_number_of_queries(
    supervisor_client, make_user, team, course, size, django_assert_num_queries
):
    for n in range(size):
        make_user(f"l{n}", team=team)
    supervisor_client.get(reverse("progress:team-report"))
    # Session, user and their two permission queries; the content version (the courses, what
    # counts towards each and the updated lessons are in the cache under it); the page's
    # count and its learners; the rows' lessons, completions and assignments (3; with a quiz
    # in the course, its scores are a fourth); the assignment totals and the team choices of
    # the form.
    with django_assert_num_queries(13):
        assert supervisor_client.get(reverse("progress:team-report")).status_code == 200


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has no such cursors")
def test_the_team_choices_are_read_without_a_server_side_cursor(supervisor_client, course):
    # Django reads a ModelChoiceField's options through a cursor on PostgreSQL (three round
    # trips for a few teams); the report's form reads them in one query.
    with CaptureQueriesContext(connection) as queries:
        supervisor_client.get(reverse("progress:team-report"))
    assert not [q["sql"] for q in queries.captured_queries if q["sql"].startswith("DECLARE")]


def test_each_row_links_to_its_learner_and_shows_names_with_markup_as_text(
    supervisor_client, make_user, team, course
):
    team.name = "Ward <7> & co"
    team.save()
    mallory = make_user("mallory", team=team, display_name='<script>alert("x")</script>')
    page = supervisor_client.get(reverse("progress:team-report")).content.decode()
    assert "<script>alert" not in page
    link = reverse("progress:learner-detail", args=[mallory.pk])
    assert f'<a href="{link}">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;</a>' in page
    assert "<td>Ward &lt;7&gt; &amp; co</td>" in page


def test_the_csv_reads_everyone_in_a_fixed_number_of_queries(
    supervisor_client, make_user, team, course, monkeypatch
):
    monkeypatch.setattr("portal.progress.csv_export.CSV_PIECE_ROWS", 2)

    def export():
        with CaptureQueriesContext(connection) as queries:
            rows = csv_rows(supervisor_client.get(reverse("progress:team-export")))
        return rows, len(queries)

    make_user("a0", team=team)
    export()  # the first also puts the curriculum in the cache
    few, few_queries = export()
    for n in range(7):
        make_user(f"b{n}", team=team)
    many, many_queries = export()
    assert len(many) == len(few) + 7
    assert [row[0] for row in many[1:]] == sorted(row[0] for row in many[1:])
    assert many_queries == few_queries


def test_a_filter_that_matches_nobody_says_so(supervisor_client, learner, course):
    query = {"profession": Profession.PHARMACIST}
    page = supervisor_client.get(reverse("progress:team-report"), query)
    assert page.status_code == 200
    assert "No learner matches these filters." in page.content.decode()
    rows = csv_rows(supervisor_client.get(reverse("progress:team-export"), query))
    assert len(rows) == 1


def test_the_csv_is_only_its_header_while_no_course_is_published(supervisor_client, learner):
    rows = csv_rows(supervisor_client.get(reverse("progress:team-export")))
    assert rows == [rows[0]] and rows[0][0] == "Username"


def test_the_csv_agrees_with_the_report_for_every_learner_and_course(
    client, hospital_wide, supervisor, learner, other_learner, make_user, team, course,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    """The export asks the database for its numbers in one statement; the page works them
    out through the ORM. Whatever people have done, both must say the same."""
    today = timezone.localdate()
    lessons = list(course.lessons.order_by("position"))
    quiz = make_quiz(lessons[0], slug="bones", questions=2)
    second = make_course("second")
    second_lesson = make_lesson(second, "second-one")
    second_quiz = make_quiz(second_lesson, slug="second-quiz", questions=2)
    make_lesson(second, "second-draft", status=Status.DRAFT)
    tom = make_user("tom", team=team, display_name="Tom Teammate")
    make_user("gone", team=team, is_active=False)
    with django_capture_on_commit_callbacks(execute=True):
        for one in lessons:
            lesson_progress.mark_complete(learner=learner, lesson=one)
        take_quiz(learner, quiz, "right")
        lesson_progress.mark_complete(learner=tom, lesson=lessons[1])
        take_quiz(tom, quiz, "wrong")
        take_quiz(tom, quiz, "wrong")
        take_quiz(tom, second_quiz, "right")
        services.start_attempt(learner=other_learner, quiz=second_quiz)
        take_quiz(other_learner, quiz, "right")
    Assignment.objects.create(
        course=course, team=team, due_on=today - timedelta(days=2), assigned_by=supervisor
    )
    Assignment.objects.create(
        course=second, learner=tom, due_on=today + timedelta(days=5), assigned_by=supervisor
    )
    Assignment.objects.create(
        course=second, team=team, due_on=today + timedelta(days=9), assigned_by=supervisor
    )
    # Material changes after all that: the second lesson of Foundations (Nina and Tom had
    # completed it; Tom re-reads it) and the second course's quiz (Tom had passed it).
    changed_at = timezone.now()
    lessons[1].material_change_at = changed_at
    lessons[1].save(update_fields=["material_change_at"])
    second_quiz.material_change_at = changed_at
    second_quiz.save(update_fields=["material_change_at"])
    with django_capture_on_commit_callbacks(execute=True):
        lesson_progress.mark_reviewed_after_update(learner=tom, lesson=lessons[1])
    client.force_login(hospital_wide)
    exported = csv_rows(client.get(reverse("progress:team-export")))[1:]

    courses = list(Course.objects.published())
    people = filter_learners(User.objects.filter(is_active=True), {})
    expected = [
        [
            row.learner.username,
            row.learner.display_name,
            row.course.title,
            str(row.progress.percent),
            row.status_label,
            str(row.progress.lessons_done),
            str(row.progress.lessons_total),
            str(row.progress.quizzes_passed),
            str(row.progress.quizzes_total),
            "" if row.mean_best is None else str(row.mean_best),
            str(row.overdue),
            row.due_on.isoformat() if row.due_on else "",
            row.expires_on.isoformat() if row.expires_on else "",
            str(row.progress.to_review),
        ]
        for row in report_rows(people, courses, today)
    ]
    assert [[r[0], r[1], *r[4:7], *r[8:]] for r in exported] == expected
    assert "gone" not in {r[0] for r in exported}
    by_person = {(r[0], r[4]): r for r in exported}
    # Nina's completion stays recorded, but the changed lesson is to be read again.
    assert by_person["nina", "Foundations"][5:12] == [
        "67", "Needs review", str(timezone.localdate()), "1", "2", "1", "1",
    ]  # fmt: skip
    assert by_person["nina", "Foundations"][-1] == "1"
    # Tom re-read the changed lesson: it counts again.
    assert by_person["tom", "Foundations"][6:] == [
        "Overdue", "", "1", "2", "0", "1", "0", "1", str(today - timedelta(days=2)), "", "0",
    ]  # fmt: skip
    # Tom's pass of the second quiz was before its change: the course is no longer done.
    assert by_person["tom", "Second"][5:7] == ["0", "Needs review"]
    assert by_person["tom", "Second"][10:] == [
        "0", "1", "100", "0", str(today + timedelta(days=5)), "", "1",
    ]  # fmt: skip
    needs_review = csv_rows(
        client.get(reverse("progress:team-export"), {"status": "needs_review"})
    )[1:]
    assert {(r[0], r[4]) for r in needs_review} == {("nina", "Foundations"), ("tom", "Second")}
    page = client.get(reverse("progress:team-report"), {"status": "needs_review"})
    assert {(row.learner.username, row.course.title) for row in page.context["rows"]} == {
        ("nina", "Foundations"),
        ("tom", "Second"),
    }
    assert by_person["omar", "Second"][6] == "Not started"  # an open attempt is not a try
    overdue = csv_rows(client.get(reverse("progress:team-export"), {"status": "overdue"}))[1:]
    assert overdue == [row for row in exported if row[6] == "Overdue"] and overdue


def test_a_filter_that_does_not_exist_is_named_at_its_field(supervisor_client, learner, course):
    page = supervisor_client.get(
        reverse("progress:team-report"), {"course": "99999", "status": "bogus"}
    ).content.decode()
    # Django points the field at its message (aria-describedby "<id>_error"); it must exist.
    for name in ("course", "status"):
        assert f'aria-describedby="id_{name}_error"' in page
        assert f'id="id_{name}_error"' in page
    assert 'aria-invalid="true"' in page
    assert "Nina Nurse" in page  # the report itself still shows, unfiltered

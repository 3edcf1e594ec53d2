"""The synthetic data set: the shipped curriculum (2 courses, 13 lessons, 13 quizzes) topped up
to 10 questions per quiz, and N learners in teams of 50 with a supervisor each, their lesson
progress, finished attempts (up to 3 per quiz) and team assignments.

Rows are written with bulk_create through the app's own models; attempt rows are built from
`quizzes.services.snapshot_questions`, graded with `quizzes.grading`, exactly as a submitted
attempt would be stored. A marker row (size, data version, highest attempt id) lets the next
run reuse the database, and tells the harness which attempts it created itself since.

Import only after django.setup()."""

import io
import json
import random
from datetime import timedelta
from decimal import Decimal

from common import (
    DATA_VERSION,
    EDITOR,
    LEARNER,
    MAX_ATTEMPTS,
    PASSWORD,
    QUESTIONS_PER_QUIZ,
    SIZES,
    SUPERVISOR,
    TEAM_SIZE,
    log,
)
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from education.models import Course, Lesson, LessonProgress
from portal.accounts.models import ROLE_GROUP_NAMES, Profession, Role, Team, User
from portal.progress.models import Assignment, CourseCompletion, completion_facts
from quizzes.grading import score_percent
from quizzes.kinds import mark_for
from quizzes.models import Attempt, AttemptQuestion, AttemptState, Choice, Question, Quiz
from quizzes.services import snapshot_questions

LEARNERS_PER_CHUNK = 200  # one transaction and bounded memory per chunk
BATCH = 2_000


# --- the marker -------------------------------------------------------------------------


def read_marker():
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT value FROM bench_marker WHERE name = 'dataset'")
            row = cursor.fetchone()
    except DatabaseError:
        return None  # no marker table: never loaded, or a load that did not finish
    return json.loads(row[0]) if row else None


def write_marker(data):
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE IF NOT EXISTS bench_marker (name varchar(40) PRIMARY KEY, value text)"
        )
        cursor.execute("DELETE FROM bench_marker WHERE name = 'dataset'")
        cursor.execute(
            "INSERT INTO bench_marker (name, value) VALUES ('dataset', %s)", [json.dumps(data)]
        )


def marker_matches(marker, size):
    return bool(marker) and marker.get("size") == size and marker.get("version") == DATA_VERSION


# --- content ------------------------------------------------------------------------------


def load_content():
    """The real curriculum, so lesson pages carry real rendered text, plus synthetic
    questions so that every quiz has QUESTIONS_PER_QUIZ."""
    call_command("load_curriculum", verbosity=0, stdout=io.StringIO())
    for quiz in Quiz.objects.all():
        have = quiz.questions.filter(is_active=True).count()
        for extra in range(have, QUESTIONS_PER_QUIZ):
            question = Question(
                quiz=quiz,
                kind="single",
                stem=f"Benchmark question {extra + 1} on *{quiz.title}*: which statement holds?",
                rationale="A synthetic question added by the benchmark to reach ten questions.",
                position=100 + extra,
            )
            question.save()  # renders the Markdown, as the admin does
            Choice.objects.bulk_create(
                Choice(question=question, text=f"Statement {n}", is_correct=n == 1, position=n)
                for n in range(1, 5)
            )


# --- people -------------------------------------------------------------------------------


def create_people(n_learners, now):
    password = make_password(PASSWORD)
    groups = {role: Group.objects.get(name=name) for role, name in ROLE_GROUP_NAMES.items()}
    n_teams = (n_learners + TEAM_SIZE - 1) // TEAM_SIZE
    teams = Team.objects.bulk_create(Team(name=f"Bench ward {t:03d}") for t in range(n_teams))
    professions = Profession.values
    supervisors = User.objects.bulk_create(
        User(
            username=SUPERVISOR.format(t),
            display_name=f"Supervisor {t:03d}",
            profession=Profession.NURSE,
            team=team,
            password=password,
            date_joined=now,
        )
        for t, team in enumerate(teams)
    )
    editor = User.objects.create(
        username=EDITOR,
        display_name="Bench Editor",
        profession=Profession.PHARMACIST,
        is_staff=True,
        password=password,
    )
    learners = []
    for start in range(0, n_learners, BATCH):
        learners += User.objects.bulk_create(
            User(
                username=LEARNER.format(i),
                display_name=f"Learner {i:05d}",
                email=f"learner{i}@example.org",
                profession=professions[i % len(professions)],
                team=teams[i // TEAM_SIZE],
                password=password,
                date_joined=now,
            )
            for i in range(start, min(n_learners, start + BATCH))
        )
    through = User.groups.through
    memberships = [through(user_id=u.pk, group_id=groups[Role.LEARNER].pk) for u in learners]
    memberships += [
        through(user_id=u.pk, group_id=groups[role].pk)
        for u in supervisors
        for role in (Role.LEARNER, Role.SUPERVISOR)
    ]
    memberships += [
        through(user_id=editor.pk, group_id=groups[role].pk)
        for role in (Role.LEARNER, Role.CONTENT_EDITOR)
    ]
    through.objects.bulk_create(memberships, batch_size=BATCH)
    Team.supervisors.through.objects.bulk_create(
        Team.supervisors.through(team_id=team.pk, user_id=sup.pk)
        for team, sup in zip(teams, supervisors, strict=True)
    )
    # Every team has one overdue assignment and one due soon, so reports and dashboards
    # show their assignment columns.
    courses = list(Course.objects.published().order_by("position", "id"))
    Assignment.objects.bulk_create(
        Assignment(course=course, team=team, due_on=due, assigned_by=sup)
        for team, sup in zip(teams, supervisors, strict=True)
        for course, due in zip(
            courses,
            (now.date() - timedelta(days=7), now.date() + timedelta(days=10)),
            strict=False,
        )
    )
    return learners


# --- history ------------------------------------------------------------------------------


def answer(rng, template, skill):
    """The learner's selection for one frozen question: right with probability `skill`."""
    choices = template.choices
    correct = [c["id"] for c in choices if c["correct"]]
    wrong = [c["id"] for c in choices if not c["correct"]]
    roll = rng.random()
    if roll < 0.03:
        return []  # left unanswered
    if roll < skill or not wrong:
        return correct
    if template.kind == "multiple":
        return correct[:1] + wrong[:1]
    return [rng.choice(wrong)]


def history_for(learner, rng, lessons, quizzes, templates, now):
    """(lesson progress, attempts with their rows, completions) of one learner."""
    engagement = rng.random()  # how far through the curriculum this learner got
    skill = 0.45 + 0.5 * rng.random()
    reached = round(engagement * len(lessons) * 1.2)
    start = now - timedelta(days=120 * rng.random() + 1)
    progress, attempts, done_lessons, passed_quizzes = [], [], set(), set()
    for index, lesson in enumerate(lessons):
        if index >= reached:
            break
        opened = start + timedelta(hours=6 * index + rng.random())
        completed = (
            opened + timedelta(minutes=lesson.estimated_minutes) if rng.random() < 0.85 else None
        )
        progress.append(
            LessonProgress(
                learner=learner,
                lesson=lesson,
                first_opened_at=opened,
                last_opened_at=completed or opened,
                completed_at=completed,
            )
        )
        if completed:
            done_lessons.add(lesson.pk)
    for quiz in quizzes:
        if quiz.lesson_id not in done_lessons:
            continue
        when = start + timedelta(hours=6 * len(lessons) + rng.random() * 48)
        count = rng.choices(range(MAX_ATTEMPTS + 1), weights=(25, 45, 20, 10))[0]
        for number in range(1, count + 1):
            attempt_skill = min(0.98, skill + 0.1 * (number - 1))
            rows = []
            for template in templates[quiz.pk]:
                selected = answer(rng, template, attempt_skill)
                rows.append(
                    AttemptQuestion(
                        question_id=template.question_id,
                        position=template.position,
                        kind=template.kind,
                        points=template.points,
                        vignette_html=template.vignette_html,
                        stem_html=template.stem_html,
                        rationale_html=template.rationale_html,
                        choices=template.choices,
                        selected=selected,
                        answered_at=when if selected else None,
                        mark=mark_for(
                            kind=template.kind,
                            points=template.points,
                            correct_ids=template.correct_ids,
                            selected_ids=selected,
                            partial_credit=quiz.partial_credit,
                        ),
                    )
                )
            score = sum((row.mark for row in rows), start=Decimal("0.00"))
            maximum = Decimal(sum(row.points for row in rows))
            percent = score_percent(score, maximum)
            finished = when + timedelta(minutes=5 + 10 * rng.random())
            attempt = Attempt(
                learner=learner,
                quiz=quiz,
                number=number,
                state=AttemptState.SUBMITTED,
                started_at=when,
                submitted_at=finished,
                last_answer_at=finished,
                score=score,
                max_score=maximum,
                percent=percent,
                passed=percent >= quiz.pass_mark,
                pass_mark=quiz.pass_mark,
            )
            attempts.append((attempt, rows))
            when = finished + timedelta(days=rng.random() * 3)
            if attempt.passed:
                passed_quizzes.add(quiz.pk)
                break  # learners stop once they pass
    return progress, attempts, done_lessons, passed_quizzes


def create_history(learners, now, seed):
    rng = random.Random(seed)
    lessons = list(Lesson.objects.published().order_by("course__position", "position", "id"))
    quizzes = list(Quiz.objects.published().select_related("lesson"))
    templates = {quiz.pk: snapshot_questions(quiz, random.Random(quiz.pk)) for quiz in quizzes}
    course_lessons, course_quizzes = {}, {}
    facts = {course.pk: completion_facts(course) for course in Course.objects.all()}
    for lesson in lessons:
        course_lessons.setdefault(lesson.course_id, set()).add(lesson.pk)
    for quiz in quizzes:
        course_quizzes.setdefault(quiz.lesson.course_id, set()).add(quiz.pk)
    totals = {"lesson_progress": 0, "attempts": 0, "attempt_questions": 0, "completions": 0}
    for start in range(0, len(learners), LEARNERS_PER_CHUNK):
        progress, attempts, completions = [], [], []
        for learner in learners[start : start + LEARNERS_PER_CHUNK]:
            p, a, done, passed = history_for(learner, rng, lessons, quizzes, templates, now)
            progress += p
            attempts += a
            for course_id, ids in course_lessons.items():
                if ids <= done and course_quizzes.get(course_id, set()) <= passed:
                    completions.append(
                        CourseCompletion(
                            learner=learner,
                            course_id=course_id,
                            completed_at=now,
                            **facts[course_id],
                        )
                    )
        with transaction.atomic():
            LessonProgress.objects.bulk_create(progress, batch_size=BATCH)
            # bulk_create sets the primary keys (RETURNING on PostgreSQL and SQLite >= 3.35),
            # which the attempt rows need.
            Attempt.objects.bulk_create([a for a, _rows in attempts], batch_size=BATCH)
            rows = []
            for attempt, attempt_rows in attempts:
                for row in attempt_rows:
                    row.attempt_id = attempt.pk
                rows += attempt_rows
            AttemptQuestion.objects.bulk_create(rows, batch_size=BATCH)
            CourseCompletion.objects.bulk_create(completions, batch_size=BATCH)
        totals["lesson_progress"] += len(progress)
        totals["attempts"] += len(attempts)
        totals["attempt_questions"] += len(rows)
        totals["completions"] += len(completions)
        log(f"  learners {start + 1}-{min(len(learners), start + LEARNERS_PER_CHUNK)} loaded")
    return totals


def build(size, seed=8):
    """Load the whole data set into the (freshly migrated, empty) database."""
    now = timezone.now()
    log(f"loading the {size} data set ({SIZES[size]} learners) ...")
    with transaction.atomic():
        load_content()
        learners = create_people(SIZES[size], now)
    totals = create_history(learners, now, seed)
    marker = {
        "size": size,
        "version": DATA_VERSION,
        "learners": len(learners),
        "loaded_at": now.isoformat(),
        "max_attempt_id": Attempt.objects.order_by("-pk").values_list("pk", flat=True).first()
        or 0,
        **totals,
    }
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # fresh planner statistics after a bulk load
    write_marker(marker)
    log(f"loaded: {marker}")
    return marker

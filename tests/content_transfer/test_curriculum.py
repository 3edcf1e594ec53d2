import shutil

import pytest
from django.core.management import CommandError, call_command

from education.models import Course, Lesson, Status
from portal.content_transfer.curriculum import CURRICULUM_DIR
from quizzes.models import Quiz

EXPECTED_LESSONS = {
    "mbc-foundations": [
        "what-is-metastatic-breast-cancer",
        "how-breast-cancer-spreads",
        "recognising-metastatic-disease",
        "diagnosis",
        "biology-and-subtypes",
        "treatment-options",
        "living-with-metastatic-breast-cancer",
    ],
    "five-clinical-takeaways": [
        "five-takeaways-overview",
        "receptor-rebiopsy",
        "symptom-burden-and-patient-reported-outcomes",
        "bone-health",
        "treatment-sequencing",
        "psychosocial-support",
    ],
}


@pytest.fixture
def curriculum(tmp_path):
    directory = tmp_path / "curriculum"
    shutil.copytree(CURRICULUM_DIR, directory)
    return directory


def load(directory=CURRICULUM_DIR, capsys=None):
    call_command("load_curriculum", directory=str(directory))
    return capsys.readouterr().out if capsys else None


def test_every_lesson_of_the_curriculum_exists_in_order_after_loading(db):
    load()
    for course_slug, lesson_slugs in EXPECTED_LESSONS.items():
        course = Course.objects.published().get(slug=course_slug)
        assert (
            list(course.lessons.published().order_by("position").values_list("slug", flat=True))
            == lesson_slugs
        )
    assert Lesson.objects.get(slug="receptor-rebiopsy").title == "Receptor re-biopsy"


def test_shipped_lessons_are_published_but_awaiting_clinical_sign_off(db):
    load()
    assert not Lesson.objects.exclude(status=Status.PUBLISHED).exists()
    assert not Lesson.objects.filter(clinical_reviewer__isnull=False).exists()
    assert all(lesson.objective_list and lesson.body_html for lesson in Lesson.objects.all())


def test_loading_twice_changes_nothing(db, capsys):
    load()
    capsys.readouterr()
    before = list(Lesson.objects.values_list("slug", "updated_at"))
    out = load(capsys=capsys)
    assert "0 created, 0 updated, 28 unchanged, 0 skipped" in out
    assert list(Lesson.objects.values_list("slug", "updated_at")) == before


def test_a_changed_file_updates_its_lesson(db, curriculum, capsys):
    load(curriculum)
    path = curriculum / "lessons" / "04-diagnosis.md"
    path.write_text(path.read_text() + "\nA new closing paragraph.\n")
    out = load(curriculum, capsys)
    assert "updated   lesson diagnosis" in out
    assert "A new closing paragraph." in Lesson.objects.get(slug="diagnosis").body_html


def test_an_admin_edit_is_never_overwritten(db, curriculum, capsys, admin_client):
    load(curriculum)
    lesson = Lesson.objects.get(slug="diagnosis")
    lesson.body = "Edited by the editor."
    lesson.save()
    path = curriculum / "lessons" / "04-diagnosis.md"
    path.write_text(path.read_text() + "\nFile change.\n")
    out = load(curriculum, capsys)
    assert "skipped   lesson diagnosis: edited in the admin since the last load" in out
    assert Lesson.objects.get(slug="diagnosis").body == "Edited by the editor."


def test_a_clinical_sign_off_counts_as_an_edit(db, curriculum, capsys, reviewer):
    load(curriculum)
    Lesson.objects.filter(slug="bone-health").update(clinical_reviewer=reviewer)
    out = load(curriculum, capsys)
    assert "skipped   lesson bone-health" in out


def test_a_malformed_file_is_reported_and_nothing_is_written(db, curriculum):
    broken = curriculum / "lessons" / "05-biology-and-subtypes.md"
    broken.write_text(broken.read_text().replace("minutes =", "minutes = 'ten' #", 1))
    with pytest.raises(CommandError) as error:
        load(curriculum)
    assert "lessons/05-biology-and-subtypes.md: 'minutes' must be a whole number" in str(
        error.value
    )
    assert not Lesson.objects.exists()
    assert not Course.objects.exists()


@pytest.mark.parametrize(
    "damage,message",
    [
        (lambda text: text.replace("+++", "", 1), "must start with a +++ metadata header"),
        (
            lambda text: text.replace('course = "mbc-foundations"', 'course = "nope"'),
            "unknown course 'nope'",
        ),
        (lambda text: text.replace("title =", "title = 3 #", 1), "'title' must be non-empty text"),
        (lambda text: text.replace("slug =", "slug = 'Bad Slug' #", 1), "lower-case words"),
        (lambda text: text + "\n+++ = [", None),
        (lambda text: text + "\nA NUL\x00 in the body.\n", "Null characters are not allowed"),
    ],
)
def test_each_kind_of_damage_is_named(db, curriculum, damage, message):
    path = curriculum / "lessons" / "01-what-is-metastatic-breast-cancer.md"
    path.write_text(damage(path.read_text()))
    try:
        load(curriculum)
    except CommandError as error:
        assert "01-what-is-metastatic-breast-cancer.md" in str(error)
        if message:
            assert message in str(error)
        assert not Lesson.objects.exists()
    else:
        assert message is None  # text after the header is lesson body, not metadata


def test_two_lessons_with_one_slug_are_refused(db, curriculum):
    source = curriculum / "lessons" / "04-diagnosis.md"
    (curriculum / "lessons" / "99-copy.md").write_text(source.read_text())
    with pytest.raises(CommandError, match="lesson slug 'diagnosis' is also used by"):
        load(curriculum)


def test_a_value_beyond_the_models_rules_is_reported_with_its_file(db, curriculum):
    lesson = curriculum / "lessons" / "05-biology-and-subtypes.md"
    lesson.write_text(lesson.read_text().replace("title = ", f"title = '{'x' * 201}' #", 1))
    with pytest.raises(CommandError) as error:
        load(curriculum)
    assert (
        "lessons/05-biology-and-subtypes.md: 'title': Ensure this value has at most 200 "
        "characters (it has 201)." in str(error.value)
    )
    assert not Lesson.objects.exists()


def test_a_quiz_value_beyond_the_models_rules_is_reported_with_its_file(db, curriculum):
    quiz = curriculum / "quizzes" / "01-what-is-metastatic-breast-cancer.toml"
    text = quiz.read_text().replace("pass_mark = 70", "pass_mark = 101", 1)
    quiz.write_text(text.replace('text = "', f'text = "{"y" * 500}', 1))
    with pytest.raises(CommandError) as error:
        load(curriculum)
    assert (
        "quizzes/01-what-is-metastatic-breast-cancer.toml: 'pass_mark': must be a whole number "
        "from 0 to 100" in str(error.value)
    )
    assert "toml: question 1: 'text': Ensure this value has at most 500 characters" in str(
        error.value
    )
    assert not Quiz.objects.exists()

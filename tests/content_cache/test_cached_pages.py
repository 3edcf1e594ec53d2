"""The learner pages keep what every learner sees alike under the content version: after
each kind of content change the next request of every page shows it, with the local cache
and with Redis, and no learner is ever shown another's progress through the cache."""

from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from education import reading, workflow
from education.models import Course, Lesson, Status
from portal.content_transfer.content_pack import import_pack
from quizzes import services
from tests.content_transfer.test_content_pack import small_pack
from tests.education.factories import make_course, make_lesson
from tests.quizzes.factories import make_quiz, take_quiz

TODAY = date(2026, 12, 1)


@pytest.fixture
def course(db):
    return make_course("metastatic-care", title="Metastatic care")


@pytest.fixture
def lesson(course):
    return make_lesson(course, "re-biopsy", title="Receptor re-biopsy")


@pytest.fixture
def pages(client, learner, supervisor, course, lesson):
    """Every cached page, read as the learner (the team report as their supervisor)."""

    def read():
        client.force_login(learner)
        text = {
            "lesson index": client.get(reverse("education:lesson-index")),
            "course page": client.get(reverse("education:course", args=[course.slug])),
            "lesson page": client.get(reverse("education:lesson", args=[lesson.slug])),
            "dashboard": client.get(reverse("home")),
        }
        client.force_login(supervisor)
        text["team report"] = client.get(reverse("progress:team-report"))
        assert {name: page.status_code for name, page in text.items()} == dict.fromkeys(text, 200)
        return {name: page.content.decode() for name, page in text.items()}

    read()  # every page is now in the cache
    return read


def showing(pages_text, words):
    return sorted(name for name, text in pages_text.items() if words in text)


ALL_PAGES = ["course page", "dashboard", "lesson index", "lesson page", "team report"]


def publish(obj, reviewer, **kwargs):
    return workflow.publish(obj=obj, user=reviewer, reviewer=reviewer, reviewed_on=TODAY, **kwargs)


def test_a_renamed_course_shows_on_every_page_at_the_next_request(cache_kind, pages, course):
    Course.objects.filter(pk=course.pk).update(title="Care in metastatic disease")
    assert showing(pages(), "Care in metastatic disease") == ALL_PAGES


def test_a_published_course_draft_shows_everywhere(cache_kind, pages, course, editor, reviewer):
    draft = workflow.start_draft(live=course, user=editor)
    draft.title = "Metastatic care, second edition"
    draft.save()
    workflow.submit_for_review(obj=draft, user=editor)
    publish(draft, reviewer)
    assert showing(pages(), "Metastatic care, second edition") == ALL_PAGES


def test_a_scheduled_course_version_shows_when_the_job_puts_it_live(
    cache_kind, pages, course, editor, reviewer
):
    draft = workflow.start_draft(live=course, user=editor)
    draft.title = "Scheduled edition"
    draft.save()
    workflow.submit_for_review(obj=draft, user=editor)
    publish(draft, reviewer, publish_at=timezone.now() + timedelta(hours=1))
    assert showing(pages(), "Scheduled edition") == []
    Course.objects.filter(pk=draft.pk).update(publish_at=timezone.now() - timedelta(seconds=1))
    call_command("publish_due_drafts")
    assert showing(pages(), "Scheduled edition") == ALL_PAGES


def test_a_newly_published_lesson_is_listed_and_linked(
    cache_kind, pages, course, editor, reviewer
):
    new = make_lesson(course, "sequencing", title="Treatment sequencing", status=Status.DRAFT)
    new.position = 5
    new.save()
    assert showing(pages(), "Treatment sequencing") == []
    workflow.submit_for_review(obj=new, user=editor)
    publish(new, reviewer)
    # The lesson page links to it as the next lesson; the team report lists only courses.
    assert showing(pages(), "Treatment sequencing") == [
        "course page",
        "lesson index",
        "lesson page",
    ]


def test_an_archived_lesson_leaves_every_page(cache_kind, pages, client, course, reviewer):
    other = make_lesson(course, "bone", title="Bone health", position=9)
    assert showing(pages(), "Bone health") == ["course page", "lesson index", "lesson page"]
    workflow.archive(obj=other, user=reviewer)
    assert showing(pages(), "Bone health") == []
    assert client.get(reverse("education:lesson", args=["bone"])).status_code == 404


def test_a_restored_version_shows_once_published(cache_kind, pages, lesson, editor, reviewer):
    lesson.body = "First wording of the text."
    lesson.save()
    Lesson.objects.filter(pk=lesson.pk).update(body_html="<p>Later wording.</p>")
    assert showing(pages(), "First wording") == []
    old = lesson.history.order_by("history_id").last()
    draft = workflow.restore_version(historical=old, user=editor)
    workflow.submit_for_review(obj=draft, user=editor)
    publish(draft, reviewer)
    assert showing(pages(), "First wording") == ["lesson page"]


def test_a_regrade_shows_in_the_learners_own_scores(cache_kind, pages, learner, lesson, reviewer):
    quiz = make_quiz(lesson, "check", questions=1, title="Re-biopsy check")
    take_quiz(learner, quiz, "wrong")
    assert "0%" in pages()["dashboard"]
    question = quiz.questions.get()
    question.choices.update(is_correct=False)
    question.choices.filter(text="wrong").update(is_correct=True)
    services.apply_regrade(quiz=quiz, user=reviewer)
    assert "100%" in pages()["dashboard"]


def test_an_imported_content_pack_shows(cache_kind, pages, reviewer):
    import_pack(small_pack())
    lesson = Lesson.objects.get(slug="staging-lesson")
    Lesson.objects.filter(pk=lesson.pk).update(status=Status.PUBLISHED)
    Course.objects.filter(pk=lesson.course_id).update(status=Status.PUBLISHED)
    assert "staging-lesson" in pages()["lesson index"]


def test_the_shipped_curriculum_shows_once_loaded(cache_kind, pages):
    call_command("load_curriculum", verbosity=0)
    shown = pages()
    first = Lesson.objects.published().exclude(slug="re-biopsy").first()
    assert first.title in shown["lesson index"] and first.course.title in shown["dashboard"]


def test_two_learners_on_the_same_cached_page_see_only_their_own_progress(
    cache_kind, client, learner, other_learner, course, lesson
):
    make_lesson(course, "second", title="Second lesson", position=2)
    reading.mark_complete(learner=learner, lesson=lesson)
    url = reverse("education:course", args=[course.slug])

    client.force_login(learner)
    mine = client.get(url).content.decode()
    client.force_login(other_learner)
    theirs = client.get(url).content.decode()
    client.force_login(learner)
    mine_again = client.get(url).content.decode()

    assert "1 of 2 lessons completed" in mine and "1 of 2 lessons completed" in mine_again
    assert "0 of 2 lessons completed" in theirs
    lesson_url = reverse("education:lesson", args=[lesson.slug])
    assert "You have completed this lesson." in client.get(lesson_url).content.decode()
    client.force_login(other_learner)
    assert "Mark as complete" in client.get(lesson_url).content.decode()


def test_a_lesson_address_of_any_length_is_cached_under_a_key_every_cache_takes(
    cache_kind, learner_client, lesson
):
    import warnings

    from django.core.cache.backends.base import CacheKeyWarning

    with warnings.catch_warnings():
        warnings.simplefilter("error", CacheKeyWarning)  # Django's warning for memcached
        missing = learner_client.get(reverse("education:lesson", args=["x" * 3000]))
        found = learner_client.get(reverse("education:lesson", args=[lesson.slug]))
    assert missing.status_code == 404
    assert found.status_code == 200 and "Receptor re-biopsy" in found.content.decode()

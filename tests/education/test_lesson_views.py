import re
from datetime import timedelta

import pytest
from django.db import IntegrityError
from django.urls import reverse
from django.utils import timezone

from education import reading
from education.models import Lesson, LessonProgress, Status
from tests.education.factories import make_course, make_lesson
from tests.quizzes.factories import make_quiz


@pytest.fixture
def course(db):
    return make_course("foundations", objectives="Know the basics\nApply them")


@pytest.fixture
def lesson(course):
    return make_lesson(
        course,
        "bone-health",
        position=1,
        objectives="Explain fracture risk",
        key_points="Start early",
        body="## Bone health\n\nFracture risk rises.",
    )


def lesson_url(lesson):
    return reverse("education:lesson", args=[lesson.slug])


def open_lesson(client, lesson):
    """What a browser does: read the page, whose script then says it was opened (a POST)."""
    page = client.get(lesson_url(lesson))
    assert f'data-opened-url="{reverse("education:lesson-opened", args=[lesson.slug])}"' in (
        page.content.decode()
    )
    assert client.post(reverse("education:lesson-opened", args=[lesson.slug])).status_code == 204
    return page


def complete(client, lesson, value="1"):
    return client.post(
        reverse("education:lesson-completion", args=[lesson.slug]), {"completed": value}
    )


def test_a_lesson_page_shows_objectives_before_the_text_and_the_sign_off_line(
    learner_client, lesson
):
    page = learner_client.get(lesson_url(lesson)).content.decode()
    assert page.index("Explain fracture risk") < page.index("Fracture risk rises.")
    assert '<h2 id="bone-health">' in page
    objectives = page.index('<h2 id="objectives-heading" class="h5">Learning objectives</h2>')
    assert objectives < page.index("<li>Explain fracture risk</li>")
    key_points = page.index('<h2 id="key-points-heading" class="h5">Key points</h2>')
    assert page.index("Fracture risk rises.") < key_points < page.index("<li>Start early</li>")
    assert 'class="card border-success mt-4" aria-labelledby="key-points-heading"' in page
    assert "Awaiting clinical sign-off" in page
    # The badge says in one sentence what it means for the reader.
    assert (
        "A named clinical reviewer has not yet approved this content; use it alongside local "
        "guidance." in page
    )
    assert "does not replace professional medical advice" in page


def test_a_signed_off_lesson_names_its_reviewer(learner_client, lesson, reviewer):
    lesson.clinical_reviewer = reviewer
    lesson.reviewed_on = "2026-03-02"
    lesson.save()
    page = learner_client.get(lesson_url(lesson)).content.decode()
    assert "Clinically reviewed by Dr Ana Rivera on 2 March 2026" in page


def test_an_edited_lesson_shows_its_new_text_and_sign_off_at_once(
    learner_client, lesson, reviewer
):
    assert "Fracture risk rises." in learner_client.get(lesson_url(lesson)).content.decode()
    lesson.body = "## Bone health\n\nBisphosphonates need dental review."
    lesson.clinical_reviewer = reviewer
    lesson.reviewed_on = "2026-03-02"
    lesson.save()
    page = learner_client.get(lesson_url(lesson)).content.decode()
    assert "Bisphosphonates need dental review." in page
    assert "Fracture risk rises." not in page
    assert "Clinically reviewed by Dr Ana Rivera" in page


def test_a_renamed_course_shows_its_new_title_on_its_lessons(learner_client, course, lesson):
    learner_client.get(lesson_url(lesson))
    course.title = "Foundations of care"
    course.save()
    assert "Foundations of care" in learner_client.get(lesson_url(lesson)).content.decode()


@pytest.mark.parametrize("status", [Status.DRAFT, Status.IN_REVIEW, Status.ARCHIVED])
def test_unpublished_lessons_are_not_found(learner_client, course, status):
    draft = make_lesson(course, "draft", status=status)
    assert learner_client.get(lesson_url(draft)).status_code == 404
    assert complete(learner_client, draft).status_code == 404
    assert not LessonProgress.objects.exists()


def test_lessons_of_an_unpublished_course_are_not_found(learner_client, db):
    hidden = make_lesson(make_course("hidden", status=Status.DRAFT), "hidden-lesson")
    assert learner_client.get(lesson_url(hidden)).status_code == 404


def test_reading_a_lesson_page_writes_nothing(learner_client, learner, lesson):
    assert learner_client.get(lesson_url(lesson)).status_code == 200
    assert not LessonProgress.objects.filter(learner=learner).exists()
    opened = reverse("education:lesson-opened", args=[lesson.slug])
    assert learner_client.get(opened).status_code == 405
    assert not LessonProgress.objects.filter(learner=learner).exists()


def test_opening_a_lesson_twice_keeps_one_progress_row(learner_client, learner, lesson):
    open_lesson(learner_client, lesson)
    first = LessonProgress.objects.get(learner=learner, lesson=lesson)
    open_lesson(learner_client, lesson)
    again = LessonProgress.objects.get(learner=learner, lesson=lesson)
    assert again.first_opened_at == first.first_opened_at
    assert again.completed_at is None


def test_a_visit_is_recorded_once_per_few_minutes_of_reading(learner_client, learner, lesson):
    open_lesson(learner_client, lesson)
    earlier = timezone.now() - timedelta(seconds=reading.VISIT_SECONDS - 30)
    LessonProgress.objects.filter(learner=learner).update(last_opened_at=earlier)
    open_lesson(learner_client, lesson)
    assert LessonProgress.objects.get(learner=learner).last_opened_at == earlier
    long_ago = timezone.now() - timedelta(seconds=reading.VISIT_SECONDS + 30)
    LessonProgress.objects.filter(learner=learner).update(last_opened_at=long_ago)
    open_lesson(learner_client, lesson)
    assert LessonProgress.objects.get(learner=learner).last_opened_at > earlier


def test_marking_complete_is_idempotent_and_undoable(learner_client, learner, lesson):
    complete(learner_client, lesson)
    done_at = LessonProgress.objects.get(learner=learner).completed_at
    assert done_at is not None
    response = complete(learner_client, lesson)
    assert response.status_code == 302
    assert LessonProgress.objects.get(learner=learner).completed_at == done_at
    complete(learner_client, lesson, value="0")
    assert LessonProgress.objects.get(learner=learner).completed_at is None
    assert LessonProgress.objects.count() == 1


def completion_block(page):
    """The lesson page's completion block, from its opening tag to the end of its form."""
    start = page.index('<div id="lesson-completion"')
    return page[start : page.index("</form>", start)]


@pytest.mark.parametrize(
    ("value", "message"),
    [("1", "Lesson marked as complete."), ("0", "Lesson marked as not complete.")],
)
def test_marking_a_lesson_returns_to_its_completion_block_with_the_message_there(
    learner_client, lesson, value, message
):
    response = complete(learner_client, lesson, value=value)
    assert response.url == f"{lesson_url(lesson)}#lesson-completion"
    page = learner_client.get(response.url).content.decode()
    block = completion_block(page)
    # The fragment's target can take the focus, and the message describes it, so a screen
    # reader reads it out where the reader lands; it is not drawn a second time at the top.
    assert 'tabindex="-1"' in block.split(">", 1)[0]
    assert 'aria-describedby="lesson-completion-status"' in block
    assert '<div id="lesson-completion-status">' in block and message in block
    assert page.count(message) == 1


def test_other_messages_stay_at_the_top_of_the_lesson_page(learner_client, lesson):
    response = learner_client.post(
        reverse("education:lesson-report", args=[lesson.slug]), {"text": "A typo in the title."}
    )
    page = learner_client.get(response.url).content.decode()
    assert "Thank you: your report is with the editors." in page
    assert page.index("Thank you: your report") < page.index('<article class="lesson"')
    assert "Thank you: your report" not in completion_block(page)


def test_the_lesson_page_says_a_quiz_is_in_progress_until_it_is_submitted(
    learner_client, learner, lesson
):
    from quizzes import services

    quiz = make_quiz(lesson, slug="bones", questions=1)
    attempt = services.start_attempt(learner=learner, quiz=quiz)
    page = learner_client.get(lesson_url(lesson)).content.decode()
    assert f"Continue the quiz: {quiz.title}" in page
    assert ">In progress</span>" in page
    services.submit_attempt(attempt=attempt)
    page = learner_client.get(lesson_url(lesson)).content.decode()
    assert f"Take the quiz: {quiz.title}" in page
    assert ">In progress</span>" not in page


def test_completion_only_accepts_post(learner_client, lesson):
    url = reverse("education:lesson-completion", args=[lesson.slug])
    assert learner_client.get(url).status_code == 405


def test_a_second_progress_row_is_refused_by_the_database(learner, lesson):
    LessonProgress.objects.create(learner=learner, lesson=lesson)
    with pytest.raises(IntegrityError):
        LessonProgress.objects.create(learner=learner, lesson=lesson)


def test_another_learners_progress_is_never_shown(client, learner, other_learner, lesson):
    client.force_login(other_learner)
    complete(client, lesson)
    client.force_login(learner)
    course_page = client.get(reverse("education:course", args=[lesson.course.slug]))
    assert "0 of 1 lessons completed (0%)" in course_page.content.decode()
    assert "Not started" in course_page.content.decode()


def test_the_course_page_lists_lessons_in_order_with_status_and_percentage(
    learner_client, course, lesson
):
    second = make_lesson(course, "sequencing", position=2)
    make_lesson(course, "draft-lesson", position=3, status=Status.DRAFT)
    complete(learner_client, lesson)
    open_lesson(learner_client, second)
    page = learner_client.get(reverse("education:course", args=[course.slug])).content.decode()
    assert page.index("Bone Health") < page.index("Sequencing")
    assert "Draft Lesson" not in page
    assert "1 of 2 lessons completed (50%)" in page
    assert "Completed" in page and "In progress" in page
    assert "Apply them" in page


def test_previous_and_next_follow_the_course_order(learner_client, course, lesson):
    second = make_lesson(course, "sequencing", position=2)
    page = learner_client.get(lesson_url(second)).content.decode()
    assert f'rel="prev" href="{lesson_url(lesson)}"' in page
    assert 'rel="next"' not in page


def test_search_finds_lessons_by_words_in_their_text(learner_client, course, lesson):
    make_lesson(course, "sequencing", body="Less toxic therapies first.")
    page = learner_client.get(reverse("education:lesson-index"), {"q": "fracture risk"})
    assert "1 lesson found" in page.content.decode()
    assert "Bone Health" in page.content.decode()


def test_a_tag_filters_the_lesson_list(learner_client, course, lesson):
    from education.models import Tag

    tag = Tag.objects.create(name="Bone", slug="bone")
    lesson.tags.add(tag)
    make_lesson(course, "sequencing")
    page = learner_client.get(reverse("education:lesson-index"), {"tag": "bone"}).content.decode()
    assert "1 lesson found" in page


def make_lessons(course, count):
    for position in range(count):
        make_lesson(course, f"lesson-{position}", position=position)


@pytest.mark.parametrize("count", [5, 50])
def test_course_and_lesson_pages_use_a_fixed_number_of_queries(
    learner_client, course, count, django_assert_num_queries
):
    make_lessons(course, count)
    make_quiz(Lesson.objects.get(slug="lesson-3"), "lesson-3-quiz")
    learner_client.get(reverse("education:lesson", args=["lesson-3"]))
    # Session and user, the content version (the tests read it on every request; production
    # keeps it a second) and the learner's progress: the course, its lessons and the rendered
    # article are in the cache under the version since the first page.
    with django_assert_num_queries(4):
        assert (
            learner_client.get(reverse("education:course", args=[course.slug])).status_code == 200
        )
    # And whether the learner has passed the lesson's quiz (the visit was recorded just now).
    with django_assert_num_queries(5):
        assert (
            learner_client.get(reverse("education:lesson", args=["lesson-3"])).status_code == 200
        )
    with django_assert_num_queries(4):
        assert learner_client.get(reverse("education:lesson-index")).status_code == 200


@pytest.mark.parametrize("query", [{"q": "bone\x00"}, {"tag": "\x00"}, {"tag": "not a tag!"}])
def test_a_search_the_database_cannot_run_is_refused_in_plain_words(learner_client, query):
    response = learner_client.get(reverse("education:lesson-index"), query)
    assert response.status_code == 200
    assert "That search could not be run" in response.content.decode()


def test_the_search_box_keeps_the_words_searched_for_and_is_labelled(learner_client):
    page = learner_client.get(reverse("education:lesson-index"), {"q": "re-biopsy"})
    html = page.content.decode()
    assert 'type="search" name="q" value="re-biopsy"' in html
    assert re.search(r'<label\s+for="id_q"[^>]*>\s*Search lessons\s*</label>', html)

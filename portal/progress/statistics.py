"""Item statistics per quiz, precomputed and stored: pages read the stored figures, and only
an explicit refresh (button or `manage.py refresh_item_statistics`) reads the raw attempts."""

import hashlib
import json
from collections import defaultdict
from dataclasses import asdict

from django.db import transaction
from django.utils import timezone

from portal.progress.item_analysis import cronbach_alpha, item_stats, quiz_summary
from portal.progress.models import ItemStatistics
from quizzes.models import Attempt, AttemptQuestion


def version_key(row):
    """Attempts that saw the same wording and key count as one version of a question."""
    shown = json.dumps(
        [row.stem_html, sorted((c["id"], c["text"], c["correct"]) for c in row.choices)]
    )
    return f"{row.question_id}:{hashlib.sha256(shown.encode()).hexdigest()[:10]}"


def compute(quiz, *, first_only=True):
    attempts = Attempt.objects.finished().filter(quiz=quiz)
    if first_only:
        attempts = attempts.filter(number=1)
    attempts = list(attempts.values_list("id", "score", "percent", "passed"))
    rows = AttemptQuestion.objects.filter(attempt_id__in=[a[0] for a in attempts]).only(
        "attempt_id",
        "question_id",
        "position",
        "points",
        "stem_html",
        "choices",
        "selected",
        "mark",
    )
    totals = {attempt_id: float(score) for attempt_id, score, _p, _ok in attempts}
    marks = defaultdict(dict)  # version -> {attempt id: mark}
    info = {}
    picks = defaultdict(lambda: defaultdict(int))
    for row in rows.iterator(chunk_size=2000):
        key = version_key(row)
        marks[key][row.attempt_id] = float(row.mark or 0)
        info.setdefault(key, (row.question_id, row.points, row.stem_html, row.choices))
        for choice_id in row.selected:
            picks[key][choice_id] += 1
    versions = sorted(marks, key=lambda k: (info[k][0], k))
    items = []
    for number, key in enumerate(versions, start=1):
        question_id, points, stem_html, choices = info[key]
        attempt_ids = list(marks[key])
        counts = {c["text"]: picks[key].get(c["id"], 0) for c in choices}
        stats = item_stats(
            key,
            f"#{number}",
            float(points),
            [marks[key][a] for a in attempt_ids],
            [totals[a] for a in attempt_ids],
            counts,
        )
        items.append({**asdict(stats), "question_id": question_id, "stem_html": stem_html,
                      "flags": stats.flags})  # fmt: skip
    common = [k for k in versions if len(marks[k]) == len(attempts)]
    alpha = cronbach_alpha(
        [[marks[k][a[0]] for a in attempts] for k in common],
        [sum(marks[k][a[0]] for k in common) for a in attempts],
    )
    summary = quiz_summary(
        [float(a[1]) for a in attempts],
        [float(a[2] or 0) for a in attempts],
        [bool(a[3]) for a in attempts],
    )
    return {"summary": {**summary, "alpha": alpha}, "items": items}, len(attempts)


def refresh(quiz, *, first_only=True):
    data, count = compute(quiz, first_only=first_only)
    with transaction.atomic():
        ItemStatistics.objects.update_or_create(
            quiz=quiz,
            first_attempts_only=first_only,
            defaults={
                "data": data,
                "attempt_count": count,
                "computed_at": timezone.now(),
                "stale": False,
            },
        )
    return data


def mark_stale(quiz):
    ItemStatistics.objects.filter(quiz=quiz, stale=False).update(stale=True)

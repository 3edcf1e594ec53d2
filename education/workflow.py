"""The editorial workflow shared by courses, lessons and quizzes:

    draft -> in review -> published -> archived

Editors submit drafts; only clinical reviewers return, publish (with a named reviewer, a
review date and a next-review date) and archive. A published course or lesson stays live
while its next version is drafted as a separate row (`draft_of`), and is replaced only when
that draft is published. Every transition is a guarded conditional update plus an audit event.
"""

from datetime import date

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from education import signals
from education.dates import short_datetime
from education.models import (
    LIVE_ROWS,
    Course,
    Governed,
    Status,
    WorkflowAction,
    WorkflowEvent,
)

PUBLISH_PERMISSION = "education.publish_content"
SIGN_OFF_FIELDS = ("clinical_reviewer", "reviewed_on", "next_review_due")


class WorkflowError(Exception):
    """An illegal transition; the message says why. Nothing was changed."""


def record(obj, action, user, comment=""):
    return WorkflowEvent.objects.create(
        content_type=ContentType.objects.get_for_model(obj, for_concrete_model=True),
        object_id=obj.pk,
        object_repr=str(obj)[:300],
        action=action,
        actor=user,
        comment=comment,
    )


def latest_event(obj, *actions):
    """The most recent of `actions` recorded for `obj`, or None: e.g. the comment an item
    was last submitted or sent back with."""
    return (
        WorkflowEvent.objects.filter(
            content_type=ContentType.objects.get_for_model(obj, for_concrete_model=True),
            object_id=obj.pk,
            action__in=actions,
        )
        .select_related("actor")
        .first()
    )


def latest_events(objects):
    """{obj: its latest "submitted" or "returned" event} for courses, lessons and quizzes
    together, in one query; each event has `.returned` True when it sent the item back."""
    wanted = {}
    for obj in objects:
        content_type = ContentType.objects.get_for_model(obj, for_concrete_model=True)
        wanted[(content_type.pk, obj.pk)] = obj
    found = {}
    if not wanted:
        return found
    events = (
        WorkflowEvent.objects.filter(
            content_type__in={key[0] for key in wanted},
            object_id__in={key[1] for key in wanted},
            action__in=[WorkflowAction.SUBMITTED, WorkflowAction.RETURNED],
        )
        .select_related("actor")
        .order_by("-at", "-id")
    )
    for event in events:
        obj = wanted.get((event.content_type_id, event.object_id))
        if obj is not None and obj not in found:
            event.returned = event.action == WorkflowAction.RETURNED
            found[obj] = event
    return found


def events_of(obj):
    """Every workflow event of `obj`, oldest first: its comments, in the order they came."""
    return (
        WorkflowEvent.objects.filter(
            content_type=ContentType.objects.get_for_model(obj, for_concrete_model=True),
            object_id=obj.pk,
        )
        .select_related("actor")
        .order_by("at", "id")
    )


def can_edit(user, obj):
    opts = obj._meta
    return user.has_perm(f"{opts.app_label}.change_{opts.model_name}")


def can_publish(user):
    return user.has_perm(PUBLISH_PERMISSION)


def one_year_after(day):
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


def _move(obj, *, source, target, where=None, refused=None, **fields):
    """The guarded state change: only from `source` (and, if given, only where the Q `where`
    holds), so a double click changes it once. `refused`: the message when it does not."""
    rows = type(obj).objects.filter(pk=obj.pk, status__in=source)
    if where is not None:
        rows = rows.filter(where)
    if not rows.update(status=target, **fields):
        raise WorkflowError(
            refused
            or _("“%(item)s” is %(status)s; it cannot be moved that way.")
            % {"item": obj, "status": obj.get_status_display().lower()}
        )
    obj.refresh_from_db()


def refuse_problems(obj):
    """Raise when `obj` says it is not fit for review or learners. A model that has more
    to check than its fields (a quiz: its answer key) supplies `workflow_problems()`, a
    list of messages; education need not know of it."""
    problems = getattr(obj, "workflow_problems", None)
    problems = [str(problem) for problem in problems()] if problems else []
    if problems:
        raise WorkflowError(
            _(
                "“%(item)s” cannot be submitted or published as it is. %(problems)s Nothing "
                "was changed."
            )
            % {"item": obj, "problems": " ".join(problems)}
        )


def submit_for_review(*, obj, user, comment=""):
    if not can_edit(user, obj):
        raise PermissionDenied
    refuse_problems(obj)
    with transaction.atomic():
        _move(obj, source=[Status.DRAFT], target=Status.IN_REVIEW)
        record(obj, WorkflowAction.SUBMITTED, user, comment)
        transaction.on_commit(
            lambda: signals.submitted_for_review.send(
                sender=type(obj), obj=obj, user=user, comment=comment
            )
        )


def return_to_draft(*, obj, user, comment):
    if not can_publish(user):
        raise PermissionDenied
    if not comment.strip():
        raise WorkflowError(_("Say what needs changing: the comment goes back to the editor."))
    with transaction.atomic():
        _move(obj, source=[Status.IN_REVIEW], target=Status.DRAFT)
        record(obj, WorkflowAction.RETURNED, user, comment)


def can_change_materially(model):
    """Lessons and quizzes record a material change (`material_change_at`): learners who had
    completed or passed them before it do them again."""
    return any(f.name == "material_change_at" for f in model._meta.fields)


def publish(*, obj, user, reviewer, reviewed_on, next_review_due=None, publish_at=None,
            material_change=False, comment=""):  # fmt: skip
    """Publish a reviewed item with its clinical sign-off. Returns the live object."""
    if not can_publish(user):
        raise PermissionDenied
    if reviewer is None or not isinstance(reviewed_on, date):
        raise WorkflowError(_("Publishing needs the named clinical reviewer and the review date."))
    if not can_publish(reviewer):
        raise WorkflowError(_("%(name)s is not a clinical reviewer.") % {"name": reviewer})
    next_review_due = next_review_due or one_year_after(reviewed_on)
    if next_review_due <= reviewed_on:
        raise WorkflowError(_("The next review must be due after the review date."))
    refuse_problems(obj)
    now = timezone.now()
    scheduled = publish_at is not None and publish_at > now
    with transaction.atomic():
        _move(
            obj,
            source=[Status.IN_REVIEW],
            target=Status.PUBLISHED,
            clinical_reviewer=reviewer,
            reviewed_on=reviewed_on,
            next_review_due=next_review_due,
            publish_at=publish_at if scheduled else None,
            updated_by=user,
        )
        if isinstance(obj, Course) and obj.released_on is None and not obj.draft_of_id:
            # Its first version: learners see it from today, or from the scheduled time.
            obj.released_on = timezone.localdate(publish_at if scheduled else now)
            obj.save(update_fields=["released_on"])
        if material_change and can_change_materially(type(obj)):
            obj.material_change_at = publish_at if scheduled else now
            obj.save(update_fields=["material_change_at"])
        record(
            obj, WorkflowAction.SCHEDULED if scheduled else WorkflowAction.PUBLISHED, user, comment
        )
        if getattr(obj, "draft_of_id", None) and not scheduled:
            return promote(obj)
    return obj


def claim_promotion(draft):
    """Claim the right to promote `draft`: (live, the draft as it is in the database now),
    or (live, None) when there is nothing to promote, e.g. a concurrent request has just
    promoted and deleted it. Call it inside a transaction and apply only the returned draft:
    the one in memory may be stale.

    The claim is a conditional update of the live row's version (no select_for_update,
    which SQLite ignores): of two requests that saw the same version only one updates it,
    and the other (on PostgreSQL it waits for the first to commit) updates nothing. The
    claim has already incremented `live.version`: the caller saves `live` without adding
    one again."""
    model = type(draft)
    for _attempt in range(3):
        live = model.objects.filter(pk=draft.draft_of_id).first()
        if live is None:
            return None, None
        current = None
        with transaction.atomic():
            claimed = model.objects.filter(pk=live.pk, version=live.version).update(
                version=F("version") + 1
            )
            if claimed:
                current = model.objects.filter(pk=draft.pk, draft_of=live.pk).first()
                if current is None:  # promoted by a request that committed before the claim
                    transaction.set_rollback(True)
        if current is not None:
            live.refresh_from_db()
            return live, current
        if claimed or not model.objects.filter(pk=draft.pk).exists():
            live.refresh_from_db()
            return live, None
        # The live row changed for another reason between reading and claiming: again.
    raise WorkflowError(
        _("“%(item)s” is being changed by someone else; try again.") % {"item": live}
    )


def promote(draft):
    """Copy a published draft into the live course, lesson or quiz it replaces, then drop
    the draft row (its history stays). Learner progress, lessons, quizzes and attempts keep
    pointing at the same live row. A draft already promoted (by a concurrent request)
    changes nothing."""
    with transaction.atomic():
        live, draft = claim_promotion(draft)
        if draft is None:
            return live
        for name in (*type(draft).DRAFT_FIELDS, *SIGN_OFF_FIELDS):
            setattr(live, name, getattr(draft, name))
        if getattr(draft, "material_change_at", None):
            live.material_change_at = draft.material_change_at
        live.status = Status.PUBLISHED
        live.publish_at = None
        live.updated_by = draft.updated_by
        live._change_reason = f"published from draft #{draft.pk}"
        live.save()  # the claim has incremented the version
        _copy_many_to_many(draft, live)
        live.publish_draft_children(draft)
        draft.delete()
    return live


def _copy_many_to_many(source, target):
    for field in type(source)._meta.many_to_many:
        getattr(target, field.name).set(getattr(source, field.name).all())


def draftable_models():
    """Courses, lessons and quizzes: every model whose drafts replace a live row."""
    return [model for model in apps.get_models() if issubclass(model, Governed)]


def publish_due_drafts(now=None):
    """Replace live courses, lessons and quizzes whose scheduled new version is due; the
    `publish_due_drafts` job runs it every minute (pages never write). Returns the live
    objects that took their new version."""
    now = now or timezone.now()
    published = []
    for model in draftable_models():
        due = model.objects.filter(
            draft_of__isnull=False, status=Status.PUBLISHED, publish_at__lte=now
        )
        for draft in due.order_by("publish_at", "pk"):
            # A concurrent run may be promoting it too: promote claims it first.
            published.append(promote(draft))
    return published


def cancel_schedule(*, obj, user, comment=""):
    """Take a signed-off item that is waiting for its publication time back into review:
    its sign-off is cleared, as what goes live must be signed off again."""
    if not can_publish(user):
        raise PermissionDenied
    with transaction.atomic():
        _move(
            obj,
            source=[Status.PUBLISHED],
            target=Status.IN_REVIEW,
            where=Q(publish_at__gt=timezone.now()),
            refused=_("“%(item)s” is not waiting to be published: there is no schedule to cancel.")
            % {"item": obj},
            publish_at=None,
            clinical_reviewer=None,
            reviewed_on=None,
            next_review_due=None,
        )
        record(obj, WorkflowAction.UNSCHEDULED, user, comment)


def scheduled(model):
    """Items signed off and waiting for their publication time."""
    return model.objects.filter(status=Status.PUBLISHED, publish_at__gt=timezone.now())


def archive(*, obj, user, comment=""):
    if not can_publish(user):
        raise PermissionDenied
    with transaction.atomic():
        _move(obj, source=[Status.PUBLISHED], target=Status.ARCHIVED)
        record(obj, WorkflowAction.ARCHIVED, user, comment)


def start_draft(*, live, user, values=None, action=WorkflowAction.DRAFT_STARTED):
    """The draft that will replace a published course, lesson or quiz (the existing one if
    there is one, back to draft if it was in review). A new version already signed off and
    scheduled is refused: what the reviewer approved is what goes live."""
    if not can_edit(user, live):
        raise PermissionDenied
    if live.draft_of_id:
        raise WorkflowError(_("This is already a draft."))
    if live.status != Status.PUBLISHED:
        raise WorkflowError(
            _("“%(item)s” is %(status)s: only a published one can have a new draft.")
            % {"item": live, "status": live.get_status_display().lower()}
        )
    model = type(live)
    with transaction.atomic():
        draft = model.objects.filter(draft_of=live).first()
        created = draft is None
        if not created and draft.status == Status.PUBLISHED:
            raise WorkflowError(
                _(
                    "The new version of “%(item)s” is scheduled to go live on %(date)s, as it "
                    "was signed off. Change it once it is live. Nothing was changed."
                )
                % {"item": live, "date": short_datetime(draft.publish_at)}
            )
        if created:
            draft = model(draft_of=live, slug=live.slug, status=Status.DRAFT)
            for name in model.DRAFT_FIELDS:
                setattr(draft, name, getattr(live, name))
        for name, value in (values or {}).items():
            setattr(draft, name, value)
        draft.status = Status.DRAFT
        draft.updated_by = user
        try:
            with transaction.atomic():
                draft.save()
        except IntegrityError:
            if not created or not model.objects.filter(draft_of=live).exists():
                raise
            # Two clicks at once: the other one has just made the draft; carry on with it.
            return start_draft(live=live, user=user, values=values, action=action)
        if created:
            _copy_many_to_many(live, draft)
            live.copy_draft_children(draft)
        record(live, action, user)
    return draft


def draft_to_restore_into(obj, user):
    """The course, lesson or quiz itself while it is a draft or in review, otherwise the draft
    that will replace it, started if need be (start_draft refuses a new version that is
    signed off and scheduled)."""
    if obj.status == Status.ARCHIVED:
        raise WorkflowError(
            _("“%(item)s” is archived: no earlier version can be restored. Nothing was changed.")
            % {"item": obj}
        )
    return start_draft(live=obj, user=user) if obj.is_live else obj


def restore_into_draft(*, item, governed, historical, user, write):
    """What restoring any version has in common (a course's, a lesson's, a quiz's, a
    question's or a choice's): the permission, the draft of `governed` it goes into, the
    audit event on `item` and one transaction. `write(draft)` puts the old values into the
    draft and returns what the editor should open next."""
    if not can_edit(user, item):
        raise PermissionDenied
    when = short_datetime(historical.history_date)
    with transaction.atomic():
        draft = draft_to_restore_into(governed, user)
        restored = write(draft)
        draft.status = Status.DRAFT
        draft.updated_by = user
        draft.version += 1  # an editor with the draft open must reload it before saving
        draft._change_reason = _("%(item)s: version of %(date)s restored") % {
            "item": item._meta.verbose_name.capitalize(),
            "date": when,
        }
        draft.save()
        record(
            item,
            WorkflowAction.RESTORED,
            user,
            _("Version of %(date)s restored into the draft “%(draft)s” (#%(pk)d).")
            % {"date": when, "draft": draft, "pk": draft.pk},
        )
    return restored


def _placement_exists(historical, fields):
    # Only a live lesson or course: a draft of one is deleted when it is published, so
    # nothing may hang off it.
    return all(
        getattr(historical, field.attname) is None
        or field.related_model.objects.filter(
            pk=getattr(historical, field.attname), **LIVE_ROWS
        ).exists()
        for field in fields
        if field.is_relation
    )


def restore_version(*, historical, user):
    """A course's, lesson's or quiz's own fields (DRAFT_FIELDS) as they were go into its
    draft; restoring never rewrites history. A quiz's questions stay as they are in the draft
    (each question has its own versions to restore). If the lesson or course it hung off
    then is gone (or was a draft), it stays where it is now."""
    model = historical.instance_type
    obj = model.objects.get(pk=historical.id)
    fields = [model._meta.get_field(name) for name in model.DRAFT_FIELDS]
    placed = _placement_exists(historical, fields)
    names = [field.attname for field in fields if placed or not field.is_relation]

    def write(draft):
        for name in names:
            setattr(draft, name, getattr(historical, name))
        return draft

    return restore_into_draft(
        item=obj, governed=obj, historical=historical, user=user, write=write
    )

"""What changed between two versions of a course, lesson or quiz, in words a clinician reads.

One comparison serves the review page (a draft against the live version it will replace) and
"Versions and changes" (any two saved versions). Only what differs is listed; a long text is
compared line by line (in the Markdown source a line is a paragraph or a list item), and
within a changed line the words taken out and put in are marked. People, courses and lessons
are shown by name, never by id. A quiz adds its questions (quizzes.comparison): a model or an
admin passes them in as `parts`, so this module knows nothing of quizzes.
"""

import difflib
import re
from dataclasses import dataclass, field

from django.db import models
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

# Words, runs of spaces and single punctuation marks: the units a change is marked in.
TOKENS = re.compile(r"\w+|\s+|[^\w\s]")


@dataclass
class Line:
    """One paragraph or list item of a long text: "changed", "added" or "removed"."""

    kind: str
    old: str = ""  # safe HTML, with <del> around what was taken out
    new: str = ""  # safe HTML, with <ins> around what was put in


@dataclass
class FieldChange:
    label: str
    old: str = ""
    new: str = ""
    lines: list[Line] = field(default_factory=list)  # for long texts: what changed in them

    @property
    def is_text(self):
        return bool(self.lines)


@dataclass
class Comparison:
    fields: list[FieldChange]
    parts: list = field(default_factory=list)  # e.g. a quiz's question changes
    part_template: str = ""

    def __bool__(self):
        return bool(self.fields or self.parts)


def marked_words(old, new):
    """(old, new) as safe HTML, the words that differ wrapped in <del> and <ins>."""
    before, after = TOKENS.findall(old), TOKENS.findall(new)
    old_html, new_html = [], []
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        taken, put = escape("".join(before[i1:i2])), escape("".join(after[j1:j2]))
        if tag == "equal":
            old_html.append(taken)
            new_html.append(put)
            continue
        if taken:
            old_html.append(f"<del>{taken}</del>")
        if put:
            new_html.append(f"<ins>{put}</ins>")
    return mark_safe("".join(old_html)), mark_safe("".join(new_html))


def text_lines(text):
    return [line.strip() for line in str(text or "").splitlines() if line.strip()]


def changed_lines(old, new):
    """The lines of a long text that differ: paired where one was edited, else added or
    removed. Untouched lines are left out."""
    before, after = text_lines(old), text_lines(new)
    result = []
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        taken, put = before[i1:i2], after[j1:j2]
        for index in range(max(len(taken), len(put))):
            if index < len(taken) and index < len(put):
                old_html, new_html = marked_words(taken[index], put[index])
                result.append(Line("changed", old_html, new_html))
            elif index < len(taken):
                result.append(Line("removed", old=escape(taken[index])))
            else:
                result.append(Line("added", new=escape(put[index])))
    return result


def shown(model_field, value):
    """A field's value as a reader sees it: names for people and courses, "Yes"/"No", the
    label of a choice, "(empty)" for nothing."""
    if value is None or value == "":
        return _("(empty)")
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    return str(value)


def is_long_text(model_field):
    return isinstance(model_field, models.TextField)


def compare_values(model, old, new, *, parts=(), part_template=""):
    """Compare two {field name: value} dicts of `model` (a foreign key's value is the related
    object, a many-to-many's a list of them). `old` None: everything in `new` is new."""
    changes = []
    for name, new_value in new.items():
        model_field = model._meta.get_field(name)
        label = str(model_field.verbose_name)
        old_value = (old or {}).get(name)
        if isinstance(new_value, list | tuple) or isinstance(old_value, list | tuple):
            old_names = sorted(str(item) for item in old_value or [])
            new_names = sorted(str(item) for item in new_value or [])
            if old_names != new_names:
                changes.append(
                    FieldChange(
                        label,
                        ", ".join(old_names) or _("(none)"),
                        ", ".join(new_names) or _("(none)"),
                    )
                )
            continue
        if old is not None and old_value == new_value:
            continue
        if old is None and new_value in (None, ""):
            continue
        if is_long_text(model_field):
            lines = changed_lines(old_value, new_value)
            if lines:
                changes.append(FieldChange(label, lines=lines))
            continue
        changes.append(
            FieldChange(
                label,
                "" if old is None else shown(model_field, old_value),
                shown(model_field, new_value),
            )
        )
    return Comparison(changes, list(parts), part_template)


def values_of(obj, names):
    """{name: value} of a model instance or a historical record: related objects, not ids
    (a related row since deleted shows as "(deleted)")."""
    values = {}
    for name in names:
        model_field = obj._meta.get_field(name) if hasattr(obj, "_meta") else None
        if model_field is not None and model_field.many_to_many:
            values[name] = list(getattr(obj, name).all())
        elif model_field is not None and model_field.is_relation:
            try:
                values[name] = getattr(obj, name)
            except model_field.related_model.DoesNotExist:
                values[name] = _("(deleted)")
            if values[name] is None and getattr(obj, model_field.attname) is not None:
                values[name] = _("(deleted)")  # prefetched, and gone
        else:
            values[name] = getattr(obj, name)
    return values

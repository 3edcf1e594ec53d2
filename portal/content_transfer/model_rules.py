"""The models' own field rules, asked by every import path (content packs, the curriculum
files) before anything is written, so that no import keeps a copy of a length, a range or a
choice list: a new or changed rule on a model field is an import's rule at once."""

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError


def model_errors(obj, names):
    """{field name or NON_FIELD_ERRORS: [messages]}: what the unsaved `obj`'s model says of
    the fields `names` an import set on it (their validators and choices, clean() and the
    check constraints). Uniqueness and references are the import's to report: it knows the
    other objects it brings, and resolves foreign keys only when writing."""
    exclude = {field.name for field in obj._meta.fields} - set(names)
    errors = {}
    try:
        obj.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        errors = error.message_dict
    try:
        obj.validate_constraints(exclude=exclude | set(errors) | {"slug"})
    except ValidationError as error:
        for key, messages in error.message_dict.items():
            errors.setdefault(key, []).extend(messages)
    return errors


def field_problems(obj, names):
    """[(field name or None, message)]: the first message for each field of `names` and every
    message about the object as a whole, for the unsaved `obj`. Errors about other fields
    (the references an import resolves later) are left out."""
    problems = []
    for key, messages in model_errors(obj, names).items():
        if key == NON_FIELD_ERRORS:
            problems += [(None, message) for message in messages]
        elif key in names:
            problems.append((key, messages[0]))
    return problems

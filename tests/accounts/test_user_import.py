import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from portal.accounts.models import Team, User
from portal.accounts.user_import import UserImportError, import_users
from portal.ops.models import QueuedMail

GOOD_CSV = """username,email,display_name,profession,team,role
kim,kim@hospital.example,Kim Lee,nurse,Ward 9,learner
raj,raj@hospital.example,Dr Raj Patel,Oncologist,Ward 9,reviewer
pat,pat@hospital.example,Pat Moss,nurse,Ward 9,supervisor
"""


def test_a_good_file_creates_every_account_with_its_role_and_team(db):
    result = import_users(GOOD_CSV)
    assert [a.user.username for a in result.accounts] == ["kim", "raj", "pat"]
    assert result.teams_created == ["Ward 9"]
    raj = User.objects.get(username="raj")
    assert raj.profession == "oncologist"
    assert raj.is_staff
    assert set(raj.groups.values_list("name", flat=True)) == {"Learner", "Clinical reviewer"}
    ward = Team.objects.get(name="Ward 9")
    assert list(ward.supervisors.values_list("username", flat=True)) == ["pat"]
    assert ward.members.count() == 3


def test_one_bad_row_imports_nothing_and_names_its_line(db):
    bad = GOOD_CSV + "lee,lee@hospital.example,Lee,nurse,Ward 9,surgeon\n"
    with pytest.raises(UserImportError) as error:
        import_users(bad)
    assert error.value.errors == [
        "line 5: unknown role 'surgeon' (use one of: learner, editor, reviewer, supervisor)"
    ]
    assert not User.objects.filter(username__in=["kim", "raj", "pat", "lee"]).exists()
    assert not Team.objects.filter(name="Ward 9").exists()


def test_a_username_that_exists_or_repeats_is_reported(learner):
    text = (
        GOOD_CSV
        + "NINA,n@hospital.example,Nina,nurse,,learner\nkim,k2@h.example,K,nurse,,learner\n"
    )
    with pytest.raises(UserImportError) as error:
        import_users(text)
    assert "line 5: username 'NINA' already exists" in error.value.errors
    assert "line 6: username 'kim' appears twice in the file" in error.value.errors


def test_a_missing_column_is_reported_on_line_1(db):
    with pytest.raises(UserImportError) as error:
        import_users("username,email\nkim,kim@hospital.example\n")
    assert error.value.errors[0].startswith("line 1: missing column(s): display_name")


def test_temporary_passwords_must_be_changed_at_first_sign_in(db):
    result = import_users(GOOD_CSV, temporary_passwords=True)
    account = result.accounts[0]
    assert account.user.check_password(account.temporary_password)
    assert account.user.must_change_password


def test_welcome_emails_are_queued_and_carry_a_set_password_link(
    db, django_capture_on_commit_callbacks, settings
):
    # The test runner points every mailer at its outbox; the queue is the portal's own.
    settings.MAILERS = {**settings.MAILERS, "queue": {"BACKEND": "portal.ops.mail.QueueBackend"}}
    with django_capture_on_commit_callbacks(execute=True):
        import_users(GOOD_CSV, send_welcome=True)
    assert mail.outbox == [] and QueuedMail.objects.count() == 3  # never waits on the server
    call_command("send_queued_mail")
    assert sorted(m.to[0] for m in mail.outbox) == [
        "kim@hospital.example",
        "pat@hospital.example",
        "raj@hospital.example",
    ]
    assert "/accounts/password/reset/" in mail.outbox[0].body


def test_the_admin_page_imports_a_file(admin_client):
    upload = SimpleUploadedFile("staff.csv", GOOD_CSV.encode(), content_type="text/csv")
    response = admin_client.post(
        reverse("admin:accounts_user_import"), {"csv_file": upload, "temporary_passwords": "on"}
    )
    assert response.status_code == 200
    assert "Imported 3 accounts." in response.content.decode()
    assert User.objects.filter(username="kim").exists()


def test_the_admin_page_lists_the_problems_of_a_bad_file(admin_client):
    upload = SimpleUploadedFile(
        "staff.csv", b"username,email,display_name,profession,team,role\n,x,,,,\n"
    )
    response = admin_client.post(reverse("admin:accounts_user_import"), {"csv_file": upload})
    page = response.content.decode()
    assert "Nothing was imported" in page
    assert "line 2: invalid username" in page


def test_the_admin_page_refuses_a_file_that_is_not_utf8(admin_client):
    upload = SimpleUploadedFile("staff.csv", "username\nnaïve".encode("utf-16"))
    response = admin_client.post(reverse("admin:accounts_user_import"), {"csv_file": upload})
    assert "not UTF-8" in response.content.decode()


def test_learners_cannot_reach_the_import_page(learner_client):
    response = learner_client.get(reverse("admin:accounts_user_import"))
    assert response.status_code == 302
    assert User.objects.count() == 1


def test_the_command_reports_a_bad_file_and_imports_nothing(db, tmp_path):
    path = tmp_path / "staff.csv"
    path.write_text(GOOD_CSV + "x,x@h.example,X,surgeon,,learner\n")
    with pytest.raises(CommandError, match="line 5: unknown profession 'surgeon'"):
        call_command("import_users", str(path))
    assert not User.objects.exists()


def test_the_command_imports_a_good_file(db, tmp_path, capsys):
    path = tmp_path / "staff.csv"
    path.write_text(GOOD_CSV)
    call_command("import_users", str(path), "--temporary-passwords")
    assert "temporary password" in capsys.readouterr().out
    assert User.objects.count() == 3


def test_a_file_with_a_stray_carriage_return_is_reported_not_crashed(admin_client):
    # Found by tests/portal/test_fuzz.py: the csv module raised "new-line character seen in
    # unquoted field", a server error.
    upload = SimpleUploadedFile("staff.csv", b"\r\xc2\x80")
    response = admin_client.post(reverse("admin:accounts_user_import"), {"csv_file": upload})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Nothing was imported" in page
    assert "line 1: missing column(s)" in page

    stray = GOOD_CSV + "lee,lee@hospital.example,Lee\rMoss,nurse,Ward 9,learner\n"
    with pytest.raises(UserImportError) as error:
        import_users(stray)
    assert error.value.errors == [
        "line 5: wrong number of columns.",
        "line 6: wrong number of columns.",
    ]
    assert User.objects.count() == 1  # the admin


def test_a_file_with_carriage_return_line_endings_imports(db):
    result = import_users(GOOD_CSV.replace("\n", "\r"))
    assert [a.user.username for a in result.accounts] == ["kim", "raj", "pat"]


def test_a_file_the_csv_reader_gives_up_on_is_reported_with_its_line(db):
    unclosed = GOOD_CSV + 'lee,"lee@hospital.example,Lee,nurse,,learner\n' + "x" * 200_000
    with pytest.raises(UserImportError) as error:
        import_users(unclosed)
    assert error.value.errors == [
        "line 6: the file stops being readable as CSV here. Look on this line and the ones "
        "above it for a quote mark that is never closed, or a value that is far too long."
    ]
    assert not User.objects.exists()


def test_a_nul_character_is_reported_not_stored(db):
    with pytest.raises(UserImportError) as error:
        import_users(GOOD_CSV + "lee,,Lee\x00,nurse,,learner\n")
    assert error.value.errors == [
        "line 5: a value contains a NUL character; is this really a CSV file?"
    ]
    assert not User.objects.exists()


def test_a_column_the_import_does_not_read_is_refused_not_dropped(db):
    text = GOOD_CSV.replace("role\n", "role,is_superuser\n", 1).replace(
        ",learner\n", ",learner,yes\n"
    )
    with pytest.raises(UserImportError) as error:
        import_users(text)
    assert "unknown column(s): is_superuser" in error.value.errors[0]
    assert not User.objects.filter(username="kim").exists()

"""A learner's CPD transcript: every completion as it was recorded then (title, version,
credit), so it still reads the same once a course is renamed or archived."""

import csv
import io

from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from fpdf import FPDF

from portal.progress.certificates import hours_text, latin1
from portal.progress.csv_export import neutralise


def completions_of(learner):
    # Only the frozen columns: the course row itself is never read.
    return learner.course_completions.order_by("-completed_at", "id")


def _row(completion):
    return (
        completion.course_title,
        completion.course_version,
        timezone.localdate(completion.completed_at).isoformat(),
        completion.credit_hours,
        "" if completion.attested_hours is None else completion.attested_hours,
        completion.certificate_code,
    )


def header():
    return (
        _("Course"),
        _("Version"),
        _("Completed on"),
        _("Credit (hours)"),
        _("Time spent (hours)"),
        _("Certificate code"),
    )


def transcript_csv(completions):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header())
    for completion in completions:
        title, *rest = _row(completion)
        # Only the course title was typed by a person: it alone could start a formula.
        writer.writerow((neutralise(title), *rest))
    return buffer.getvalue()


def transcript_pdf(learner, completions, *, verify_base_url):
    pdf = FPDF(orientation="portrait", format="A4")
    pdf.set_title(latin1(_("CPD transcript")))
    pdf.set_author(latin1(_("MBC teaching portal")))
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 18)
    pdf.cell(0, 12, latin1(_("CPD transcript")), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 12)
    pdf.cell(0, 8, latin1(learner), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    for completion in completions:
        pdf.set_font("Helvetica", "B", 12)
        pdf.multi_cell(0, 7, latin1(completion.course_title), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", "", 10)
        facts = _("Version %(version)s · completed on %(date)s · credit %(credit)s hours") % {
            "version": completion.course_version,
            "date": formats.date_format(completion.completed_at, "j F Y"),
            "credit": hours_text(completion.credit_hours),
        }
        if completion.attested_hours is not None:
            facts += " · " + _("time spent %(hours)s hours") % {
                "hours": hours_text(completion.attested_hours)
            }
        pdf.multi_cell(0, 6, latin1(facts), new_x="LMARGIN", new_y="NEXT")
        verify_url = verify_base_url + reverse(
            "progress:certificate-verify", args=[completion.certificate_code]
        )
        pdf.multi_cell(
            0,
            6,
            latin1(
                _("Certificate %(code)s, check it at %(url)s")
                % {"code": completion.certificate_code, "url": verify_url}
            ),
            new_x="LMARGIN",
            new_y="NEXT",
        )
        pdf.ln(3)
    if not completions:
        pdf.cell(0, 8, latin1(_("No course completed yet.")), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())

"""Completion certificates as PDF, drawn with fpdf2 (pure Python, core fonts)."""

from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext as _
from fpdf import FPDF

# Two lines at most on the certificate; the course page shows the statement in full.
DISCLOSURE_CHARACTERS = 300


def latin1(text):
    """Text as the PDF core fonts can draw it (certificates and transcripts)."""
    # The PDF core fonts cover Latin-1; anything else is replaced rather than failing.
    return str(text).encode("latin-1", "replace").decode("latin-1")


def hours_text(hours):
    """Hours as a CPD record writes them: 1.0, 1.5, 1.75 (quarter hours keep both places)."""
    return formats.number_format(hours, 1 if (hours * 2) % 1 == 0 else 2)


def certificate_pdf(completion, *, verify_base_url):
    """The certificate states what was recorded at completion (title, hours), never the
    course as it is today: a certificate must read the same at every download."""
    pdf = FPDF(orientation="landscape", format="A4")
    pdf.set_title(latin1(_("Certificate of completion")))
    pdf.set_author(latin1(_("MBC teaching portal")))
    pdf.add_page()
    pdf.set_draw_color(91, 42, 134)
    pdf.set_line_width(1.5)
    pdf.rect(10, 10, 277, 190)
    pdf.set_y(35)
    pdf.set_font("Helvetica", "B", 28)
    pdf.cell(
        0, 14, latin1(_("Certificate of completion")), align="C", new_x="LMARGIN", new_y="NEXT"
    )
    pdf.set_font("Helvetica", "", 14)
    pdf.ln(8)
    pdf.cell(0, 10, latin1(_("This certifies that")), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "B", 22)
    pdf.cell(0, 14, latin1(completion.learner), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 14)
    pdf.cell(0, 10, latin1(_("completed the course")), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "B", 18)
    pdf.multi_cell(
        0, 11, latin1(completion.course_title), align="C", new_x="LMARGIN", new_y="NEXT"
    )
    pdf.set_font("Helvetica", "", 13)
    pdf.ln(4)
    completed_on = formats.date_format(completion.completed_at, "j F Y")
    if completion.attested_hours is None:
        details = _("on %(date)s · CPD credit %(hours)s hours") % {
            "date": completed_on,
            "hours": hours_text(completion.credit_hours),
        }
    else:
        details = _("on %(date)s · time spent %(hours)s hours (attested by the learner)") % {
            "date": completed_on,
            "hours": hours_text(completion.attested_hours),
        }
    pdf.cell(0, 9, latin1(details), align="C", new_x="LMARGIN", new_y="NEXT")
    if completion.expires_on:
        valid = _("valid until %(date)s") % {
            "date": formats.date_format(completion.expires_on, "j F Y")
        }
        pdf.cell(0, 9, latin1(valid), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 10)
    pdf.ln(3)
    if completion.signed_off_by:
        sign_off = _("Clinical sign-off: %(reviewer)s, reviewed on %(date)s") % {
            "reviewer": completion.signed_off_by,
            "date": formats.date_format(completion.reviewed_on, "j F Y"),
        }
    else:
        sign_off = _("The course was awaiting clinical sign-off when it was completed.")
    pdf.multi_cell(0, 5, latin1(sign_off), align="C", new_x="LMARGIN", new_y="NEXT")
    statement = " ".join(completion.conflict_of_interest.split())
    if len(statement) > DISCLOSURE_CHARACTERS:
        statement = statement[: DISCLOSURE_CHARACTERS - 3].rstrip() + "..."
    disclosure = (
        _("Conflicts of interest: %(statement)s") % {"statement": statement}
        if statement
        else _("Conflicts of interest: no statement was recorded.")
    )
    pdf.multi_cell(0, 5, latin1(disclosure), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_y(max(pdf.get_y() + 4, 165))
    pdf.set_font("Helvetica", "", 11)
    verify_url = verify_base_url + reverse(
        "progress:certificate-verify", args=[completion.certificate_code]
    )
    pdf.cell(
        0,
        7,
        latin1(_("Verification code: %(code)s") % {"code": completion.certificate_code}),
        align="C",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.cell(0, 7, latin1(_("Check it at %(url)s") % {"url": verify_url}), align="C")
    return bytes(pdf.output())

"""Moodle GIFT import and export: each kind reads, unsupported ones are refused with their
line, Moodle's HTML comes in as our Markdown, and the shipped quizzes survive a round trip."""

import itertools
from textwrap import dedent

import pytest
from django.core.management import CommandError, call_command

from education.markdown import render_markdown
from education.models import Status
from portal.content_transfer.gift import GiftError, export_gift, parse_gift
from quizzes.item_checks import ItemChoice
from quizzes.models import Question, QuestionKind, Quiz
from tests.quizzes.factories import add_question, make_quiz


def gift(text):
    return dedent(text).lstrip("\n")


def keys(choices):
    return [(choice.text, choice.is_correct, choice.feedback) for choice in choices]


def problems_of(text):
    with pytest.raises(GiftError) as error:
        parse_gift(text)
    return error.value.problems


# Reading --------------------------------------------------------------------------------


def test_a_single_answer_question_reads_with_choice_feedback_and_rationale():
    [question] = parse_gift(
        "Which stage is distant spread? {=Stage IV#Correct. ~Stage I#Too early. ~Stage II "
        "####Distant spread is stage IV.}"
    )
    assert question.kind == QuestionKind.SINGLE
    assert question.stem == "Which stage is distant spread?"
    assert question.rationale == "Distant spread is stage IV."
    assert keys(question.choices) == [
        ("Stage IV", True, "Correct."),
        ("Stage I", False, "Too early."),
        ("Stage II", False, ""),
    ]


def test_a_multiple_response_question_marks_the_positively_weighted_choices_correct():
    [question] = parse_gift(
        "Common sites? Select all that apply. {~%50%Bone#Yes ~%50%Liver ~%-100%Skin#Less common}"
    )
    assert question.kind == QuestionKind.MULTIPLE
    assert keys(question.choices) == [
        ("Bone", True, "Yes"),
        ("Liver", True, ""),
        ("Skin", False, "Less common"),
    ]


def test_a_multiple_response_question_accepts_moodle_fractional_weights():
    [question] = parse_gift("Pick three. {~%33.33333%a ~%33.33333%b ~%33.33333%c ~%-100%d}")
    assert [choice.is_correct for choice in question.choices] == [True, True, True, False]


@pytest.mark.parametrize("answer", ["T", "TRUE", "true"])
def test_a_true_question_has_true_then_false_with_true_correct(answer):
    [question] = parse_gift(f"Bone is a common site. {{{answer}}}")
    assert question.kind == QuestionKind.TRUE_FALSE
    assert keys(question.choices) == [("True", True, ""), ("False", False, "")]


def test_true_false_feedback_goes_first_to_the_wrong_then_to_the_right_choice():
    [question] = parse_gift("Size sets the stage. {FALSE#Spread does.#Right.####Stage IV.}")
    assert keys(question.choices) == [("True", False, "Spread does."), ("False", True, "Right.")]
    assert question.rationale == "Stage IV."
    [question] = parse_gift("Spread sets the stage. {T#No.#Yes.}")
    assert keys(question.choices) == [("True", True, "Yes."), ("False", False, "No.")]


def test_escaped_characters_are_text_and_not_syntax():
    [question] = parse_gift(r"Ratio 1\:2 \{x\} a\=b \~c \#d? \\ line\nbreak {=a\=b#c\#d ~e\~f\}}")
    assert question.stem == "Ratio 1:2 {x} a=b ~c #d? \\ line\nbreak"
    assert keys(question.choices) == [("a=b", True, "c#d"), ("e~f}", False, "")]


def test_an_unknown_escape_such_as_markdown_keeps_its_backslash():
    [question] = parse_gift(r"Not \*bold\* {=a ~b}")
    assert question.stem == r"Not \*bold\*"


def test_comments_titles_categories_and_format_markers_are_dropped():
    questions = parse_gift(
        gift(
            """
            // question: 1  name: Switch category
            $CATEGORY: $course$/top/Imported

            // a comment line
            ::Q1::[markdown]First **question**? {=a ~b}

            ::Second::[plain]Second? {T}
            """
        )
    )
    assert [question.stem for question in questions] == ["First **question**?", "Second?"]
    assert [question.title for question in questions] == ["Q1", "Second"]
    assert [question.line for question in questions] == [5, 7]


def test_a_question_may_span_several_lines():
    [question] = parse_gift(
        gift(
            """
            A woman of 48.
            Which stage? {
                =IV#Right
                // Moodle allows comments among the answers
                ~I
                ####Because.
            }
            """
        )
    )
    assert question.stem == "A woman of 48.\nWhich stage?"
    assert keys(question.choices) == [("IV", True, "Right"), ("I", False, "")]
    assert question.rationale == "Because."


def test_text_after_the_answers_stays_in_the_stem_with_a_blank_where_they_stood():
    [question] = parse_gift("Bone is {=the most ~the least} common site of spread.")
    assert question.stem == "Bone is _____ common site of spread."
    [question] = parse_gift("Which is true? {=a ~b}\n")
    assert question.stem == "Which is true?"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("How many? {#3:1}", "numeric questions"),
        ("Match. {=a -> 1 =b -> 2 =c -> 3}", "matching questions"),
        ("Capital? {=Paris =paris}", "short-answer questions"),
        ("Capital? {=Paris}", "short-answer questions"),
        ("Discuss. {}", "essay questions"),
        ("Two right? {=a =b ~c}", "more than one = answer"),
        ("Only one? {~%100%a}", "at least two choices"),
        ("Which? {~a ~b ~c}", "no right answer"),
        ("Which? {~%-50%a ~%0%b}", "no right answer"),
        ("Which? {=a ~%50%b ~c}", "partial credit"),
        ("Which? {~%150%a ~b}", "between -100% and 100%"),
        # In answers, the = of an HTML attribute needs its escape, as Moodle writes it.
        ('[html]<p>Which?</p> {=<p class="a">a</p> ~b}', "more than one = answer"),
        ("Just a description.", "no answers in braces"),
        ("Which? {=a ~b", "never closed"),
        ("Which? =a ~b}", "closing brace } without an opening brace"),
        ("Which? {=a {~b}", "a second {"),
        ("Which? {=a ~b} and {=c ~d}", "only one set of answers"),
        ("::Unclosed title Which? {=a ~b}", "title opened with ::"),
        ("{=a ~b}", "no text"),
        ("Which? {~a ~b# ~}", "no text"),
        (f"Which? {{={'x' * 501} ~b}}", "at most 500 characters"),
    ],
)
def test_unsupported_or_broken_questions_are_refused_with_their_line(text, message):
    [problem] = problems_of(f"// header\n\n{text}\n")
    assert problem.startswith("line 3: ")
    assert message in problem


def test_every_problem_in_a_file_is_reported_with_the_line_it_is_on():
    text = gift(
        """
        // Our bank
        Fine? {=yes ~no}

        Also fine? {T}

        ::Q3:: Broken? {=a
        ~b

        ~c}

        Fine again? {=yes ~no}

        How many? {#3}
        """
    )
    assert problems_of(text) == [
        "line 6: the answers opened with { are never closed with } (a blank line ends a question)",
        "line 9: a closing brace } without an opening brace {; write \\} for a literal brace",
        "line 13: numeric questions ({#...}) are not supported",
    ]


def test_an_answer_on_a_later_line_is_reported_at_that_line():
    [problem] = problems_of("Which? {\n=a\n~%300%b\n}")
    assert problem.startswith("line 3: ")


def test_a_file_without_questions_is_refused():
    assert problems_of("// only a comment\n\n") == ["line 1: the file contains no questions"]


# Moodle's HTML ---------------------------------------------------------------------------

# As Moodle 4 exports a question bank: [html] everywhere, = and : escaped even inside tags,
# the editor's line breaks written as \n, a comment naming each question.
MOODLE_EXPORT = r"""// question: 0  name: Switch category to $module$/top/Default for MBC
$CATEGORY: $module$/top/Default for MBC


// question: 2101  name: Receptor status
// [tag:receptors]
::Receptor status::[html]<p dir\="ltr" style\="text-align\: left;">A new liver lesion is found in a woman treated for breast cancer eight years ago. Which result needs <strong>tissue</strong> from the new lesion?<br></p>{
	=<p>Its <em>current</em> receptor status</p>#<p>Right\: receptor status can change between the first tumour and a metastasis.</p>
	~<p>Its size</p>#<p>Imaging shows the size.</p>
	~<p>Its place in the liver</p>#<p>Imaging shows where it is.</p>
	####<p>Biology needs tissue; size and place need only imaging. See <a href\="https\://example.org/lessons/receptor-rebiopsy" target\="_blank">Receptor re-biopsy</a>.</p>
}

// question: 2102  name: Sites
::Sites::[html]<p>Which are <b>common</b> sites of spread?&nbsp;<i>Select all that apply.</i></p>{
	~%50%<p>Bone</p>#<p>Yes.</p>
	~%50%<p>Liver</p>
	~%-100%<p>Skin of the hand</p>#<p>Not a common site.</p>
	####<p>Bone, lung, liver and brain are the common sites.</p>
}

// question: 2103  name: Stage
::Stage::[html]<p>Spread to distant organs makes the cancer stage&nbsp;IV.</p>{TRUE#<p>It does\: distant spread is stage IV.</p>#<p>Right.</p>####<p>Distant spread defines stage IV.</p>}

// question: 2104  name: Spine
::Spine::[html]<p>A woman with bone metastases reports:</p>\n<ul>\n<li>new back pain</li>\n<li>numbness in both legs</li>\n</ul>\n<p>What is the <span style\="color\: red;">most urgent</span> concern?</p>{
	=<p>Spinal cord compression</p>#<p>Yes\: it is an emergency.</p>
	~<p>A pulled muscle</p>
	####<div><p>Back pain with numbness suggests <strong>spinal cord compression</strong>, an emergency.</p></div>
}
"""


def test_it_imports_moodle_html_questions_as_markdown():
    receptor, sites, stage, spine = parse_gift(MOODLE_EXPORT)
    assert receptor.title == "Receptor status"
    assert receptor.stem == (
        "A new liver lesion is found in a woman treated for breast cancer eight years ago. "
        "Which result needs **tissue** from the new lesion?"
    )
    assert keys(receptor.choices) == [
        (
            "Its current receptor status",
            True,
            "Right: receptor status can change between the first tumour and a metastasis.",
        ),
        ("Its size", False, "Imaging shows the size."),
        ("Its place in the liver", False, "Imaging shows where it is."),
    ]
    assert receptor.rationale == (
        "Biology needs tissue; size and place need only imaging. "
        "See [Receptor re-biopsy](https://example.org/lessons/receptor-rebiopsy)."
    )
    assert (sites.kind, sites.stem) == (
        QuestionKind.MULTIPLE,
        "Which are **common** sites of spread? _Select all that apply._",
    )
    assert keys(sites.choices) == [
        ("Bone", True, "Yes."),
        ("Liver", True, ""),
        ("Skin of the hand", False, "Not a common site."),
    ]
    assert stage.kind == QuestionKind.TRUE_FALSE
    assert stage.stem == "Spread to distant organs makes the cancer stage IV."
    assert keys(stage.choices) == [
        ("True", True, "Right."),
        ("False", False, "It does: distant spread is stage IV."),
    ]
    assert spine.stem == (
        "A woman with bone metastases reports:\n\n- new back pain\n- numbness in both legs\n\n"
        "What is the most urgent concern?"
    )
    assert spine.rationale == (
        "Back pain with numbness suggests **spinal cord compression**, an emergency."
    )
    assert [q.warnings for q in (receptor, sites, stage, spine)] == [(), (), (), ()]


def test_moodle_html_renders_on_our_pages_as_it_did_in_moodle():
    receptor, _sites, _stage, spine = parse_gift(MOODLE_EXPORT)
    assert "<strong>tissue</strong>" in render_markdown(receptor.stem)
    assert '<a href="https://example.org/lessons/receptor-rebiopsy"' in render_markdown(
        receptor.rationale
    )
    assert "<li>new back pain</li>" in render_markdown(spine.stem)


def test_html_entities_are_decoded():
    [question] = parse_gift(
        r"[html]<p>PSA &lt; 4 &amp; CA 15-3 &gt; 30? &quot;Caf&eacute;&quot; au lait &\#39;spots&\#39;"
        r"&nbsp;&ndash; &\#x2265;1</p>{=<p>&lt;b&gt; is a tag</p>#<p>Tom &amp; Jerry</p> ~b}"
    )
    assert question.stem == "PSA \\< 4 & CA 15-3 > 30? \"Café\" au lait 'spots' \u2013 \u22651"
    assert "PSA &lt; 4 &amp; CA 15-3 &gt; 30?" in render_markdown(question.stem)
    assert keys(question.choices)[0] == ("<b> is a tag", True, "Tom & Jerry")


def test_a_script_is_dropped_with_its_content_and_reported():
    [question] = parse_gift(
        "[html]<p>Which?</p><script>document.location\\='https\\://evil.example'</script>"
        "<style>p \\{ color\\: red \\}</style>{=<p>a<script>alert(1)</script></p> ~b}"
    )
    assert question.stem == "Which?"
    assert question.choices[0].text == "a"
    assert question.warnings == ("line 1: a <script> was removed with its content",)


def test_a_javascript_link_becomes_plain_text_and_is_reported():
    [question] = parse_gift(
        '[html]<p><a href\\="javascript\\:alert(1)">Click</a>, <a href\\=" JaVa\\nScRiPt\\:x">'
        'this</a>, <a href\\="mailto\\:team@example.org">write</a> or '
        '<a href\\="https\\://example.org/a (1)">read</a>.</p>{=a ~b}'
    )
    assert question.stem == (
        "Click, this, [write](mailto:team@example.org) or [read](https://example.org/a%20\\(1\\))."
    )
    assert "javascript" not in render_markdown(question.stem).lower()
    assert question.warnings == (
        "line 1: a link to javascript:alert(1) was kept as plain text: only http, https and "
        "mailto links are imported",
        "line 1: a link to JaVa ScRiPt:x was kept as plain text: only http, https and mailto "
        "links are imported",
    )


def test_an_image_is_replaced_by_its_alt_text_in_brackets_and_listed_in_the_warnings():
    text = gift(
        r"""
        ::Scan::[html]<p>What does this scan show?</p><p><img src\="@@PLUGINFILE@@/bone%20scan.png" alt\="Bone scan with many hot spots"></p>{
            =<p>Spread to bone</p>
            ~<p><img src\="@@PLUGINFILE@@/normal.png"></p>
        }
        """
    )
    [question] = parse_gift(text)
    assert (
        question.stem == "What does this scan show?\n\n\\[image: Bone scan with many hot spots\\]"
    )
    assert question.choices[1].text == "[image]"
    assert question.warnings == (
        "line 1: an image (Bone scan with many hot spots) was not imported: its description "
        "stands in its place; add the image or describe it in the text",
        "line 3: an image (normal.png) was not imported: its description stands in its "
        "place; add the image or describe it in the text",
    )


def test_markdown_characters_in_html_text_are_escaped_so_they_read_as_written():
    [question] = parse_gift(
        r"[html]<p>1. Grade 3 * 2 sites_total [see note] `x` | a ~~b~~</p>"
        r"<p>- not a list</p><p># not a heading</p><p>&gt; not a quote</p><p>&amp;copy;</p>"
        r"{=a ~b}"
    )
    assert question.stem == (
        "1\\. Grade 3 \\* 2 sites\\_total \\[see note\\] \\`x\\` \\| a \\~\\~b\\~\\~\n\n"
        "\\- not a list\n\n\\# not a heading\n\n\\> not a quote\n\n\\&copy;"
    )
    assert render_markdown(question.stem) == (
        "<p>1. Grade 3 * 2 sites_total [see note] `x` | a ~~b~~</p>\n<p>- not a list</p>\n"
        "<p># not a heading</p>\n<p>&gt; not a quote</p>\n<p>&amp;copy;</p>\n"
    )


def test_nested_lists_become_nested_markdown_lists():
    [question] = parse_gift(
        r"[html]<p>Sites:</p><ol><li>Bone<ul><li>spine</li><li>pelvis</li></ul></li>"
        r"<li>Liver</li></ol><ul><li>Older editors</li><ul><li>nest beside the item</li></ul>"
        r"</ul>{=a ~b}"
    )
    assert question.stem == (
        "Sites:\n\n1. Bone\n   - spine\n   - pelvis\n2. Liver\n\n"
        "- Older editors\n  - nest beside the item"
    )
    html = render_markdown(question.stem)
    assert "<li>Bone\n<ul>\n<li>spine</li>\n<li>pelvis</li>\n</ul>\n</li>" in html
    assert "<li>Older editors\n<ul>\n<li>nest beside the item</li>" in html


def test_line_breaks_and_formatting_carry_over():
    [question] = parse_gift(
        r"[html]<div><b>Case</b></div><p>Age 52<br>ECOG 1<br><br>New paragraph with "
        r"<code>ER+</code>, <s>old</s> and <u>kept</u> text.</p><h2>Question</h2>{=a ~b}"
    )
    assert question.stem == (
        "**Case**\n\nAge 52\\\nECOG 1\n\nNew paragraph with `ER+`, ~~old~~ and kept text."
        "\n\n**Question**"
    )


def rendered(html):
    """What our pages show for a stem written in Moodle's HTML, word joiners left out."""
    [question] = parse_gift(f"[html]{html}{{=a ~b}}")
    return render_markdown(question.stem).replace("\u2060", "")


@pytest.mark.parametrize(
    ("html", "shown"),
    [
        # Punctuation inside the marker and a letter outside: CommonMark would show "**".
        ("<strong>Answer:</strong>B", "<p><strong>Answer:</strong>B</p>\n"),
        ("x<i>(see note)</i>y", "<p>x<em>(see note)</em>y</p>\n"),
        ("Dose<b>:</b>5 mg", "<p>Dose<strong>:</strong>5 mg</p>\n"),
        ("ER<i>+</i>, HER2<i>low</i>", "<p>ER<em>+</em>, HER2<em>low</em></p>\n"),
        # Two of a kind side by side are one, and one inside another is not marked twice.
        ("<b>a</b><b>b</b>", "<p><strong>ab</strong></p>\n"),
        ("<b>a</b><span><strong>b</strong></span>", "<p><strong>ab</strong></p>\n"),
        ("<b>a <b>b</b> c</b>", "<p><strong>a b c</strong></p>\n"),
        ("<i><b>a</b></i><i>b</i>", "<p><em><strong>a</strong>b</em></p>\n"),
        ("<i>a</i><b>b</b>", "<p><em>a</em><strong>b</strong></p>\n"),
        # Bold inside italics, at either edge and between words.
        ("<i>Note <b>this</b> well</i>", "<p><em>Note <strong>this</strong> well</em></p>\n"),
        ("See<i><b>(1)</b>, then</i>go", "<p>See<em><strong>(1)</strong>, then</em>go</p>\n"),
        ("<em><strong>All</strong></em> of it", "<p><em><strong>All</strong></em> of it</p>\n"),
        # Spaces and line breaks at the edges go outside the markers.
        ("<b>Note: </b>text", "<p><strong>Note:</strong> text</p>\n"),
        ("a<b> b&nbsp;</b>c", "<p>a <strong>b</strong> c</p>\n"),
        ("a<i>b&#x3000;</i>c", "<p>a<em>b</em>\u3000c</p>\n"),
        ("<b>a<br></b>b", "<p><strong>a</strong><br>\nb</p>\n"),
        ("<b>a<br><br>b</b>", "<p><strong>a</strong></p>\n<p><strong>b</strong></p>\n"),
        # Headings become bold, once, whatever bold they hold.
        ("<h3>Notes on <b>dose</b></h3>", "<p><strong>Notes on dose</strong></p>\n"),
        # Code spans side by side stay two.
        ("<code>ER</code><code>+</code>", "<p><code>ER</code><code>+</code></p>\n"),
    ],
)
def test_bold_and_italics_render_as_bold_and_italics_wherever_they_stand(html, shown):
    assert rendered(html) == shown


def test_a_marker_between_punctuation_and_a_letter_gets_an_invisible_word_joiner():
    [question] = parse_gift(r"[html]<strong>Answer\:</strong>B and <b>Answer\:</b> B{=a ~b}")
    assert question.stem == "**Answer:**&#8288;B and **Answer:** B"
    assert question.warnings == ()


def test_bold_and_italics_next_to_any_text_never_show_their_markers():
    around = ["", "x", "(", ")", " ", "\u201c", "1"]
    inside = ["a", "(a)", "a:", ":", "a b", "\u00e9", "<i>a</i>", "<b>(a)</b> b", "a <i>b.</i>"]
    wrong = []
    for before, content, after, tag in itertools.product(around, inside, around, "bi"):
        html = f"{before}<{tag}>{content}</{tag}>{after}"
        shown = rendered(html)
        marked = ("<strong>" in shown, "<em>" in shown) == ("<b>" in html, "<i>" in html)
        if "*" in shown or "_" in shown or not marked:
            wrong.append((html, shown))
    assert wrong == []


def test_lists_back_to_back_stay_apart():
    [question] = parse_gift(
        r"[html]<ul><li>a</li></ul><ul><li>b</li></ul><ul><li>c</li></ul>"
        r'<ol><li>d</li></ol><ol start\="5"><li>e</li></ol>{=a ~b}'
    )
    assert question.stem == "- a\n\n* b\n\n- c\n\n1. d\n\n5) e"
    html = render_markdown(question.stem)
    assert html.count("<ul>") == 3
    assert html.count("<ol") == 2
    assert '<ol start="5">\n<li>e</li>' in html


def test_superscripts_become_carets_and_subscripts_plain_text():
    [question] = parse_gift(
        r"[html]<p>Neutrophils 1.5 &times; 10<sup>9</sup>/L, BSA in m<sup>2</sup>, "
        r"2<sup>nd</sup> line, HER2, CO<sub>2</sub></p>{=a ~b}"
    )
    assert question.stem == "Neutrophils 1.5 \u00d7 10^9/L, BSA in m^2, 2nd line, HER2, CO2"


def test_a_simple_table_becomes_a_pipe_table():
    [question] = parse_gift(
        r"[html]<table><thead><tr><th>Marker</th><th>Result</th></tr></thead><tbody>"
        r"<tr><td>ER</td><td>positive</td></tr><tr><td>HER2</td><td>0 | low</td></tr>"
        r"</tbody></table><p>Which subtype?</p>{=a ~b}"
    )
    assert question.stem == (
        "| Marker | Result |\n| --- | --- |\n| ER | positive |\n| HER2 | 0 \\| low |\n\n"
        "Which subtype?"
    )
    assert "<td>0 | low</td>" in render_markdown(question.stem)
    assert question.warnings == ()


def test_a_table_with_merged_cells_is_flattened_to_text_with_a_warning():
    [question] = parse_gift(
        r"[html]<table><tr><td colspan\=\"2\">Receptors</td></tr><tr><td>ER</td>"
        r"<td><ul><li>positive</li><li>strong</li></ul></td></tr></table>{=a ~b}"
    )
    assert question.stem == "Receptors\\\nER; positive; strong"
    [warning] = question.warnings
    assert warning.startswith("line 1: a table with merged cells")


def test_choices_and_their_feedback_stay_plain_text_as_our_pages_show_them():
    [question] = parse_gift(
        r"[html]<p>Which?</p>{=<p><strong>5 * 3</strong> sites_total</p>#<p>See "
        r'<a href\="https\://example.org">the guide</a>.</p> ~<ul><li>a</li><li>b</li></ul>}'
    )
    assert keys(question.choices) == [
        ("5 * 3 sites_total", True, "See the guide (https://example.org)."),
        ("a; b", False, ""),
    ]


AS_WRITTEN = r"\*\*Bold\*\* 5 \* 3 \<5 mm"


@pytest.mark.parametrize(
    ("marker", "stem"),
    [
        ("[markdown]", "**Bold** 5 * 3 <5 mm"),  # ours, and what we export: kept as it is
        ("", "**Bold** 5 * 3 <5 mm"),  # no marker: Moodle's auto-format, kept as it is
        ("[moodle]", "**Bold** 5 * 3 <5 mm"),
        ("[plain]", AS_WRITTEN),  # Markdown characters escaped: shown as they were written
        ("[html]", AS_WRITTEN),  # in HTML, asterisks are just asterisks
    ],
)
def test_each_moodle_text_format_is_read_as_moodle_shows_it(marker, stem):
    [question] = parse_gift(f"{marker}**Bold** 5 * 3 <5 mm {{=**a** ~b}}")
    # Choices are plain text for us: in every format but HTML they come as they are.
    assert (question.stem, question.choices[0].text) == (stem, "**a**")
    assert question.warnings == ()


def test_moodle_auto_format_text_with_html_tags_is_read_as_html_keeping_its_line_breaks():
    [question] = parse_gift(r"[moodle]Which <b>one</b>\nof these? {=<i>a</i> ~b}")
    assert question.stem == "Which **one**\\\nof these?"
    assert question.choices[0].text == "a"


def test_answers_take_the_format_of_the_question_text_unless_they_name_their_own():
    [question] = parse_gift(r"[html]<p>Which?</p>{=<b>a</b>#[markdown]**kept** ~[plain]<b>}")
    assert keys(question.choices) == [("a", True, "**kept**"), ("<b>", False, "")]
    [question] = parse_gift(r"[markdown]Which? {=[html]<b>a</b> ~<b>}")
    assert [choice.text for choice in question.choices] == ["a", "<b>"]


def test_html_that_is_too_deeply_nested_keeps_its_text_with_a_warning():
    nested = "<span>" * 3000 + "Which?" + "</span>" * 3000
    [question] = parse_gift(f"[html]{nested}{{=a ~b}}")
    assert question.stem == "Which?"
    assert question.warnings == (
        "line 1: the HTML is nested too deeply to convert: only its text was kept",
    )


def test_unknown_elements_and_embedded_media_keep_their_text_with_a_warning():
    [question] = parse_gift(
        "[html]<p><marquee>Moving</marquee> text</p>"
        '<iframe src\\="https\\://video.example.org/1"></iframe>{=a ~b}'
    )
    assert question.stem == "Moving text\n\n\\[embedded media: https://video.example.org/1\\]"
    assert question.warnings == (
        "line 1: the <marquee> element is not supported: only its text was kept",
        "line 1: embedded media (https://video.example.org/1) was not imported: a placeholder "
        "stands in its place",
    )


def test_a_moodle_missing_word_question_in_html_keeps_its_blank():
    [question] = parse_gift(r"[html]<p>Bone is {=the most ~the least} common site.</p>")
    assert render_markdown(question.stem) == "<p>Bone is _____ common site.</p>\n"


# Writing --------------------------------------------------------------------------------


@pytest.fixture
def quiz(db):
    return make_quiz(slug="bones", questions=0, status=Status.DRAFT)


def test_multiple_response_choices_share_100_percent_and_wrong_ones_cost_100(quiz):
    add_question(quiz, kind=QuestionKind.MULTIPLE, correct=("a", "b", "c"), wrong=("d",))
    text = export_gift(quiz.questions.all())
    assert "~%33.33333%a#Secret feedback a" in text
    assert "~%-100%d#Secret feedback d" in text
    [question] = parse_gift(text)
    assert [choice.is_correct for choice in question.choices] == [True, True, True, False]


def test_a_true_false_question_is_written_as_true_or_false_with_both_feedbacks(quiz):
    add_question(quiz, kind=QuestionKind.TRUE_FALSE, correct=("True",), wrong=("False",))
    text = export_gift(quiz.questions.all())
    assert "\tTRUE#Secret feedback False#Secret feedback True\n\t####Secret rationale 1" in text
    [parsed] = parse_gift(text)
    assert parsed.choices == (
        ItemChoice("True", True, "Secret feedback True"),
        ItemChoice("False", False, "Secret feedback False"),
    )


def test_special_characters_and_line_breaks_survive_export_and_import(quiz):
    question = add_question(quiz, correct=("x = {1}",), wrong=("%5 ~ 6", "a\\b: #c"))
    question.vignette = "A case:\n\nwith a blank line and // not a comment"
    question.stem = "Which {one} ~ = # : \\*?"
    question.rationale = "Because #1.\n\nSee 'Where it spreads'."
    question.save()
    [parsed] = parse_gift(export_gift(quiz.questions.all()))
    assert parsed.stem == f"{question.vignette}\n\n{question.stem}"
    assert parsed.rationale == question.rationale
    assert keys(parsed.choices) == keys(question.choices.all())


def test_our_export_is_markdown_and_reads_back_as_it_was(quiz):
    question = add_question(quiz, correct=("<b> is a tag",), wrong=("5 * 3",))
    question.stem = "Which is **true** of <5 mm lesions?\n\n1. one\n2. two"
    question.rationale = "See [the lesson](https://example.org/lesson)."
    question.save()
    text = export_gift(quiz.questions.all())
    assert text.startswith("::Q1::[markdown]Which is **true** of <5 mm lesions?")
    [parsed] = parse_gift(text)
    assert (parsed.stem, parsed.rationale) == (question.stem, question.rationale)
    assert keys(parsed.choices) == keys(question.choices.all())
    assert parsed.warnings == ()


def test_a_question_whose_key_does_not_fit_its_kind_is_written_as_a_comment(quiz):
    add_question(quiz, position=1)
    add_question(quiz, position=2, correct=("a", "b"))  # single answer with two keys
    text = export_gift(quiz.questions.all())
    assert "// Q2 was not exported: its answer key does not fit its kind." in text
    assert len(parse_gift(text)) == 1


@pytest.fixture
def shipped(db):
    call_command("load_curriculum")
    assert Quiz.objects.count() == 13 and Question.objects.count() >= 91


def as_exported(question):
    text = "\n\n".join(part for part in (question.vignette, question.stem) if part)
    return (question.kind, text, question.rationale, keys(question.choices.all()))


def as_parsed(parsed):
    return (parsed.kind, parsed.stem, parsed.rationale, keys(parsed.choices))


def test_every_shipped_question_survives_a_round_trip_through_gift(shipped):
    for quiz in Quiz.objects.prefetch_related("questions__choices"):
        questions = list(quiz.questions.all())
        parsed = parse_gift(export_gift(questions))
        assert [as_parsed(p) for p in parsed] == [as_exported(q) for q in questions], quiz.slug


# Commands -------------------------------------------------------------------------------


def test_the_shipped_questions_import_into_an_empty_quiz_as_they_were(shipped, tmp_path):
    source = Quiz.objects.get(slug="bone-health-quiz")
    path = tmp_path / "bone.gift"
    call_command("export_gift", source.slug, output=str(path))
    target = make_quiz(slug="imported", questions=0, status=Status.DRAFT)
    call_command("import_gift", target.slug, str(path))
    imported = list(target.questions.prefetch_related("choices"))
    assert [as_exported(q) for q in imported] == [as_exported(q) for q in source.questions.all()]
    assert all(q.is_active and q.points == 1 and q.stem_html for q in imported)


def test_imported_questions_come_after_the_existing_ones(db, tmp_path, capsys):
    quiz = make_quiz(slug="bones", questions=2, status=Status.DRAFT)
    path = tmp_path / "new.gift"
    path.write_text("One? {=a ~b ####Why.}\n\nTwo? {T####Why.}\n\nThree? {~%100%a ~b####Why.}\n")
    call_command("import_gift", "bones", str(path))
    assert list(quiz.questions.values_list("position", "kind")) == [
        (1, "single"),
        (2, "single"),
        (3, "single"),
        (4, "true_false"),
        (5, "multiple"),
    ]
    out = capsys.readouterr().out
    assert (
        "3 questions for bones (1 single best answer, 1 multiple response, 1 true / false)" in out
    )


def test_a_question_without_general_feedback_is_imported_into_a_draft_with_the_error(
    db, tmp_path, capsys
):
    quiz = make_quiz(slug="bones", questions=0, status=Status.DRAFT)
    path = tmp_path / "bare.gift"
    path.write_text("Which? {=a ~b}\n")
    call_command("import_gift", quiz.slug, str(path))
    assert quiz.questions.get().rationale == ""
    assert "line 1: error: There is no rationale" in capsys.readouterr().err


def test_the_import_report_lists_item_writing_findings_by_line(quiz, tmp_path, capsys):
    path = tmp_path / "cues.gift"
    path.write_text(
        "Which? {=a ~b####Why.}\n\n"
        "Which scan? {=A CT scan#Yes. ~Every scan there is#No. ~A bone scan#No.####Why.}\n"
    )
    call_command("import_gift", quiz.slug, str(path))
    err = capsys.readouterr().err
    assert "line 1: warning: " in err  # no feedback on its choices
    assert "line 3: warning: " in err and "every" in err.lower()
    assert quiz.questions.count() == 2


def test_questions_with_item_writing_errors_never_reach_a_quiz_in_review(quiz, tmp_path):
    Quiz.objects.filter(pk=quiz.pk).update(status=Status.IN_REVIEW)
    path = tmp_path / "cues.gift"
    path.write_text("Which? {=a ~b####Why.}\n\nWhich one? {=c ~All of the above####Why.}\n")
    with pytest.raises(CommandError, match=r"the quiz is in review .* on line\(s\) 3 have"):
        call_command("import_gift", quiz.slug, str(path))
    assert quiz.questions.count() == 0


def test_a_published_quiz_takes_imported_questions_only_through_its_draft(db, editor, tmp_path):
    from education import workflow

    live = make_quiz(slug="live", questions=1)
    path = tmp_path / "new.gift"
    path.write_text("New? {=a ~b####Why.}\n")
    with pytest.raises(CommandError, match="changes only through a reviewed draft"):
        call_command("import_gift", "live", str(path))
    with pytest.raises(CommandError, match="has no draft open for editing"):
        call_command("import_gift", "live", str(path), draft=True)
    draft = workflow.start_draft(live=live, user=editor)
    call_command("import_gift", "live", str(path), draft=True)
    assert live.questions.count() == 1  # learners see nothing new until it is reviewed
    assert list(draft.questions.values_list("stem", flat=True)) == ["Stem 1", "New?"]


def test_a_moodle_html_export_imports_as_markdown_and_renders(quiz, tmp_path):
    path = tmp_path / "moodle.gift"
    path.write_text(MOODLE_EXPORT)
    call_command("import_gift", quiz.slug, str(path))
    first = quiz.questions.get(position=1)
    assert "<strong>tissue</strong>" in first.stem_html
    assert "Its current receptor status" in first.choices.values_list("text", flat=True)
    assert quiz.questions.count() == 4


def test_the_import_report_lists_what_did_not_carry_over(quiz, tmp_path, capsys):
    path = tmp_path / "image.gift"
    path.write_text('[html]<p>Which?</p><img src\\="scan.png" alt\\="Bone scan">{=a ~b####Why.}\n')
    call_command("import_gift", quiz.slug, str(path))
    assert "line 1: an image (Bone scan) was not imported" in capsys.readouterr().err
    assert quiz.questions.get().stem == "Which?\n\n\\[image: Bone scan\\]"


def test_a_malformed_file_is_reported_with_its_lines_and_nothing_is_written(quiz, tmp_path):
    lines = ["// bank", "", "One? {=a ~b}", "", "Two? {T}", "", "Three? {=a ~b", "", "", ""]
    lines += ["", "Four? {#2:1}", "", "Five? {=a ~b}"]
    path = tmp_path / "broken.gift"
    path.write_text("\n".join(lines))
    with pytest.raises(CommandError) as error:
        call_command("import_gift", quiz.slug, str(path))
    assert "Nothing was imported" in str(error.value)
    assert "line 7: the answers opened with { are never closed" in str(error.value)
    assert "line 12: numeric questions" in str(error.value)
    assert not quiz.questions.exists()


def test_an_unknown_quiz_slug_is_refused(db, tmp_path):
    path = tmp_path / "one.gift"
    path.write_text("One? {=a ~b}\n")
    with pytest.raises(CommandError, match="no quiz with the slug nope"):
        call_command("import_gift", "nope", str(path))
    with pytest.raises(CommandError, match="no quiz with the slug nope"):
        call_command("export_gift", "nope")


def test_an_unreadable_file_is_refused(quiz, tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_gift", quiz.slug, str(tmp_path / "missing.gift"))


def test_a_dry_run_reports_and_writes_nothing(quiz, tmp_path, capsys):
    path = tmp_path / "one.gift"
    path.write_text("One? {=a ~b####Why.}\n")
    call_command("import_gift", quiz.slug, str(path), dry_run=True)
    assert "Dry run, nothing written: 1 question for bones" in capsys.readouterr().out
    assert not quiz.questions.exists()


def test_the_export_leaves_out_retired_questions_unless_asked(quiz, capsys):
    add_question(quiz, position=1)
    retired = add_question(quiz, position=2)
    retired.is_active = False
    retired.save()
    capsys.readouterr()
    call_command("export_gift", quiz.slug)
    assert len(parse_gift(capsys.readouterr().out)) == 1
    call_command("export_gift", quiz.slug, include_retired=True)
    captured = capsys.readouterr()
    assert len(parse_gift(captured.out)) == 2
    assert "Exported 2 questions to standard output." in captured.err


@pytest.mark.parametrize("size", [2, 20])
def test_the_export_takes_the_same_few_queries_for_any_quiz_size(
    quiz, size, django_assert_max_num_queries
):
    for position in range(1, size + 1):
        add_question(quiz, position=position)
    with django_assert_max_num_queries(3):
        call_command("export_gift", quiz.slug)


def test_a_nul_character_is_refused_with_its_line(quiz, tmp_path):
    path = tmp_path / "nul.gift"
    path.write_text("One? {=a ~b####Why.}\n\nTwo\x00? {=a ~b####Why.}\n")
    with pytest.raises(CommandError, match=r"line 3: Null characters are not allowed\."):
        call_command("import_gift", quiz.slug, str(path))
    assert quiz.questions.count() == 0

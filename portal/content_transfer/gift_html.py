"""The text of a GIFT question, in any of Moodle's four text formats, as we store it.

Moodle marks a text's format with [html], [moodle] (its auto-format, the default), [plain]
or [markdown]. Our stems and rationales are Markdown; our choice texts and choice feedback
are plain text (the pages show them escaped, never rendered). So:

- [markdown]: kept as it is (our own export writes it);
- [plain]: Markdown characters escaped in a stem or rationale, so they read as written;
- [moodle] or no marker: kept as it is, unless it holds HTML tags, which Moodle's auto-format
  renders; then it is converted as [html] with its line breaks kept;
- [html], what Moodle's editors (Atto, TinyMCE) write: converted with `html.parser` to
  Markdown, or to plain text for choices and their feedback. Paragraphs, line breaks, bold,
  italics, lists (nested too), links (http, https and mailto only; any other link is kept
  as its text), code, strikethrough and simple tables carry over; <span>, <div> and <font>
  are unwrapped; entities are decoded; <script> and <style> are dropped with their content.
  Superscript becomes a caret, so 10<sup>9</sup>/L reads 10^9/L and not 109/L (ordinals
  and trademark signs stay as they are: 2nd, ®); subscript is kept as plain text (CO2).
  An image cannot come along: its alt text stands in brackets in its place.

Bold, italics and strikethrough are written **bold**, _italics_ and ~~struck~~: a character
of its own for each, so their markers never run together into one (CommonMark reads ***
in ways that depend on what follows). Spaces at their edges go outside the markers; a bold
text inside a bold text is not marked again; two of a kind side by side (<b>a</b><b>b</b>)
are one. CommonMark shows a marker as a literal asterisk where it stands between
punctuation and a letter (**Answer:**B, x_(see note)_y), and an underscore inside a word
(x_y_): there, and only there, a word joiner (&#8288;, invisible, and keeping the word
whole) is written beside the marker, which CommonMark reads as punctuation, so every marker
reads as one and none is dropped. Two code spans side by side are kept apart the same way,
and two lists back to back by their markers (- then *, 1. then 1)), or they would be read
as one.

Whatever cannot be carried over as it was (an image, a link that is not kept, a table with
merged cells, an element we do not know) is reported as a warning, never silently lost.
"""

import re
import string
import unicodedata
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import unquote, urlsplit

from django.utils.translation import gettext as _

FORMATS = {"html", "moodle", "plain", "markdown"}

# Elements that close themselves and hold nothing.
VOID = {
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
    "source", "track", "wbr",
}  # fmt: skip
# Elements that start a block of their own: text around them becomes separate paragraphs.
BLOCK = {
    "address", "article", "aside", "blockquote", "body", "caption", "center", "dd", "details",
    "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4",
    "h5", "h6", "header", "hgroup", "hr", "html", "legend", "li", "main", "nav", "ol", "p",
    "pre", "section", "summary", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
    "div",
}  # fmt: skip
# Dropped with their content and no warning: page furniture and styling, not content.
DROPPED = {"head", "title", "meta", "link", "base", "style", "template"}
# Unwrapped without a warning: their text is all they carry that we can keep.
UNWRAPPED = {
    "span", "font", "u", "ins", "small", "big", "mark", "abbr", "acronym", "dfn", "time",
    "bdi", "bdo", "label", "nobr", "wbr", "var", "cite", "colgroup", "col",
}  # fmt: skip
MEDIA = {"iframe", "video", "audio", "object", "embed"}
LINK_SCHEMES = {"http", "https", "mailto"}
# A start tag among these closes an open <p>, as browsers do.
_CLOSES_P = BLOCK - {"body", "html", "td", "th", "tr", "caption"}
# Superscripts that are not exponents: 2<sup>nd</sup> line, Brand<sup>®</sup>.
_NOT_EXPONENTS = {"st", "nd", "rd", "th", "®", "™", "tm", "©"}
# Tags Moodle's auto-format would render: their presence makes [moodle] text HTML.
_HTML_TAG_RE = re.compile(
    r"</?(?:a|b|blockquote|br|code|div|em|font|h[1-6]|hr|i|img|li|ol|p|pre|script|span|"
    r"strong|style|sub|sup|table|td|th|tr|u|ul)(?:\s[^<>]*)?/?>",
    re.IGNORECASE,
)

# Stand-in for a line break while inline text is put together; never in real text.
BR = "\ue100"
# Stand-ins for where bold, italics and strikethrough open and close, until the whole
# paragraph is known and each can be written as a marker CommonMark reads as one.
_MARKERS = {"**": ("\ue101", "\ue102"), "_": ("\ue103", "\ue104"), "~~": ("\ue105", "\ue106")}
_OPENING = {opening: marker for marker, (opening, _closing) in _MARKERS.items()}
_CLOSING = {closing: marker for marker, (_opening, closing) in _MARKERS.items()}
_MARKER_RUN_RE = re.compile("[\ue101-\ue106]+")
# Stand-in for the end of a code span: another one right after it must be kept apart.
CODE_END = "\ue107"
_STAND_IN_RE = re.compile("[\ue100-\ue107]")
# Spaces and line breaks at the edges of a bold or italic text, which go outside its markers.
_EDGES_RE = re.compile(f"([\\s{BR}]*)(.*?)([\\s{BR}]*)", re.DOTALL)
# Where a bold or italic text is split in two: between the paragraphs inside it.
_PARAGRAPH_BREAK_RE = re.compile(f"({BR}(?:\\s*{BR})+)")
# Written between a marker and a word character where CommonMark would otherwise read the
# marker as an asterisk: a word joiner, invisible and keeping the word whole.
WORD_JOINER = "&#8288;"
_SPACES_RE = re.compile(r"[ \t\n\r\f\v]+")
# Characters with a meaning anywhere in Markdown text (with tables and strikethrough on).
_INLINE_SPECIAL_RE = re.compile(r"([\\`*_\[\]<|~])")
_ENTITY_RE = re.compile(r"&(?=#?\w+;)")
# Characters with a meaning at the start of a line: headings, lists, quotes, setext lines.
_LINE_START_RE = re.compile(r"^([#=+-](?=[\s#=+-]|$)|>)")
_ORDERED_START_RE = re.compile(r"^(\d{1,9})([.)])(?=\s|$)")


def convert(text, text_format, *, markdown):
    """(our text, warning messages) for `text` written in Moodle's `text_format`.

    `markdown` is True for a stem or rationale and False for a choice or its feedback,
    which we keep as plain text.
    """
    if text_format == "markdown":
        return text, []
    if text_format == "plain":
        return (escape_markdown(text) if markdown else text), []
    if text_format == "moodle":
        if not _HTML_TAG_RE.search(text):
            return text, []
        text = text.replace("\n", "<br>")  # Moodle's auto-format keeps the line breaks
    return html_to_text(text, markdown=markdown)


def html_to_text(html, *, markdown=True):
    """(Markdown or plain text, warning messages) for a fragment of HTML."""
    builder = _TreeBuilder()
    html = _STAND_IN_RE.sub("", html)
    builder.feed(html)
    builder.close()
    writer = _Writer(markdown=markdown)
    try:
        text = writer.document(builder.root)
    except RecursionError:  # thousands of nested elements: keep the words, not the shape
        text = _SPACES_RE.sub(" ", _FlatText.of(html)).strip()
        warning = _("the HTML is nested too deeply to convert: only its text was kept")
        return (_escape_line(_escape_inline(text)) if markdown else text), [warning]
    return text, list(writer.warnings)


def escape_markdown(text):
    """Plain text as Markdown that shows it as written: line breaks are kept."""
    paragraphs = re.split(r"\n\s*\n", text.replace("\r\n", "\n").strip())
    return "\n\n".join(
        "\\\n".join(_escape_line(_escape_inline(line.strip())) for line in paragraph.split("\n"))
        for paragraph in paragraphs
        if paragraph.strip()
    )


def _escape_inline(text):
    return _ENTITY_RE.sub("\\\\&", _INLINE_SPECIAL_RE.sub(r"\\\1", text))


def _escape_line(line):
    """A backslash keeps a line that starts like a list, heading or quote from being one."""
    line = _LINE_START_RE.sub(r"\\\1", line)
    return _ORDERED_START_RE.sub(r"\1\\\2", line)


# Reading HTML ------------------------------------------------------------------------------


@dataclass
class _Element:
    tag: str
    attrs: dict = field(default_factory=dict)
    children: list = field(default_factory=list)  # _Element or str

    def text(self):
        """All the text inside, as a browser's textContent, line breaks as newlines."""
        parts = []
        for child in self.children:
            if isinstance(child, str):
                parts.append(child)
            elif child.tag == "br":
                parts.append("\n")
            elif child.tag not in DROPPED | {"script"}:
                parts.append(child.text())
        return "".join(parts)

    def has_block(self):
        return any(
            isinstance(child, _Element) and (child.tag in BLOCK or child.has_block())
            for child in self.children
        )


class _FlatText(HTMLParser):
    """Only the text of some HTML, without scripts and styles."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts, self.skipping = [], 0

    @classmethod
    def of(cls, html):
        parser = cls()
        parser.feed(html)
        parser.close()
        return "".join(parser.parts).replace("\xa0", " ")

    def handle_starttag(self, tag, attrs):
        self.skipping += tag in {"script", "style"}

    def handle_endtag(self, tag):
        self.skipping -= tag in {"script", "style"} and self.skipping > 0

    def handle_data(self, data):
        if not self.skipping:
            self.parts.append(data)


class _TreeBuilder(HTMLParser):
    """A forgiving tree of the HTML: unclosed <p>, <li> and table cells close as browsers
    close them, and a stray end tag is ignored."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = _Element("#root")
        self.stack = [self.root]

    def handle_starttag(self, tag, attrs):
        self._close_implied(tag)
        element = _Element(tag, {name: value or "" for name, value in attrs})
        self.stack[-1].children.append(element)
        if tag not in VOID:
            self.stack.append(element)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag):
        if tag == "br":  # </br> is read as <br> by browsers
            self.handle_starttag("br", [])
            return
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data):
        self.stack[-1].children.append(data)

    def _close_implied(self, tag):
        if tag in _CLOSES_P:
            self._close("p", stop={"td", "th", "li", "blockquote", "div", "table"})
        if tag == "li":
            self._close("li", stop={"ul", "ol"})
        elif tag in {"dt", "dd"}:
            self._close("dt", stop={"dl"})
            self._close("dd", stop={"dl"})
        elif tag in {"td", "th"}:
            self._close("td", stop={"tr", "table"})
            self._close("th", stop={"tr", "table"})
        elif tag == "tr":
            self._close("tr", stop={"table"})
        elif tag in {"thead", "tbody", "tfoot"}:
            for section in ("thead", "tbody", "tfoot"):
                self._close(section, stop={"table"})

    def _close(self, tag, *, stop):
        for depth in range(len(self.stack) - 1, 0, -1):
            current = self.stack[depth].tag
            if current == tag:
                del self.stack[depth:]
                return
            if current in stop:
                return


# Writing Markdown --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Block:
    text: str
    is_list: bool = False
    marker: str = ""  # a list's "-", "*", "." or ")"


class _Writer:
    """Markdown (or plain text) for a tree, and the warnings about what did not carry over."""

    def __init__(self, *, markdown, warnings=None):
        self.markdown = markdown
        self.warnings = {} if warnings is None else warnings  # an ordered set
        self.in_cell = False
        self.emphasis = set()  # the markers of the bold, italics or strikethrough we are in

    def warn(self, message):
        self.warnings[message] = None

    def document(self, root):
        blocks = self.blocks(root.children)
        separator = "\n\n" if self.markdown else " "
        text = separator.join(block.text for block in blocks)
        return text.strip() if self.markdown else _SPACES_RE.sub(" ", text).strip()

    # Blocks

    def blocks(self, nodes, previous=None):
        """The blocks for `nodes`; `previous` is the block just before them, if any."""
        blocks, run = [], []

        def flush():
            if run:
                text = self.paragraph(run)
                if text:
                    blocks.append(_Block(text))
                run.clear()

        for node in self._spliced(nodes):
            if isinstance(node, _Element) and node.tag in BLOCK:
                flush()
                blocks.extend(self.block(node, blocks[-1] if blocks else previous))
            else:
                run.append(node)
        flush()
        return blocks

    def _spliced(self, nodes):
        """An inline element around blocks (<span><p>..</p></span>) gives way to them."""
        for node in nodes:
            if (
                isinstance(node, _Element)
                and node.tag not in BLOCK | DROPPED | MEDIA | {"script", "a"}
                and node.has_block()
            ):
                yield from self._spliced(node.children)
            elif isinstance(node, _Element) and node.tag == "a" and node.has_block():
                yield from self._spliced(node.children)
                yield _Element("p", children=[_Element("a", dict(node.attrs))])  # its address
            else:
                yield node

    def block(self, element, previous=None):
        tag = element.tag
        # A list right after another with the same marker would be read as part of it.
        after = previous.marker if previous else ""
        if tag in {"ul", "ol"}:
            return [self.listing(element, after)]
        if tag == "li":  # an item outside any list
            return [self.listing(_Element("ul", children=[element]), after)]
        if tag == "table":
            return self.table(element)
        if tag == "pre":
            return self.preformatted(element)
        if tag == "hr":
            return [_Block("---")] if self.markdown else []
        if tag in {"h1", "h2", "h3", "h4", "h5", "h6"}:
            # A heading inside a question would outrank the page's own: it becomes bold.
            text = self.paragraph([_Element("strong", children=element.children)])
            return [_Block(text)] if text else []
        if tag == "blockquote" and self.markdown:
            inner = "\n\n".join(block.text for block in self.blocks(element.children))
            quoted = "\n".join(f"> {line}" if line else ">" for line in inner.split("\n"))
            return [_Block(quoted)] if inner else []
        return self.blocks(element.children, previous)

    def paragraph(self, nodes):
        text = "".join(self.inline(node) for node in nodes)
        text = re.sub(" {2,}", " ", text)
        text = _EDGES_RE.fullmatch(re.sub(f"\\s*{BR}\\s*", BR, text))[2]
        text = _MARKER_RUN_RE.sub(_markers, text)
        text = text.replace(CODE_END + "`", WORD_JOINER + "`").replace(CODE_END, "")
        if not self.markdown:
            return text.replace(BR, " ")
        if self.in_cell:
            return text.replace(BR, " ")
        # Two line breaks in a row (<br><br>) are how many editors start a paragraph.
        paragraphs = re.split(f"{BR}{{2,}}", text)
        return "\n\n".join(
            "\\\n".join(_escape_line(line.strip()) for line in paragraph.split(BR))
            for paragraph in paragraphs
            if paragraph.strip()
        )

    def preformatted(self, element):
        text = element.text().replace("\xa0", " ").strip("\n")
        if not text.strip():
            return []
        if not self.markdown:
            return [_Block(text)]
        longest = max((len(run) for run in re.findall("`+", text)), default=0)
        fence = "`" * max(3, longest + 1)
        return [_Block(f"{fence}\n{text}\n{fence}")]

    def listing(self, element, after=""):
        ordered = element.tag == "ol"
        number = _integer(element.attrs.get("start"), 1)
        style = element.attrs.get("type", "") if ordered else ""
        items = []  # each a list of blocks
        for child in element.children:
            if isinstance(child, str):
                if child.strip():
                    items.append(self.blocks([child]))
            elif child.tag in {"ul", "ol"} and items:
                # Older editors nest a list beside the item it belongs to, not inside it.
                items[-1].append(self.listing(child, items[-1][-1].marker))
            elif child.tag == "li":
                items.append(self.blocks(child.children))
            else:
                items.append(self.blocks([child]))
        labelled = style in {"a", "A", "i", "I"}  # written as a bulleted list: - a) text
        numbered = ordered and not labelled
        usual, other = (".", ")") if numbered else ("-", "*")
        marker = other if after == usual else usual
        lines = []
        for blocks in items:
            if not blocks:
                continue
            label = _label(number, style) if labelled else ""
            number += 1
            lines.append(self._item(marker, number - 1, label, blocks))
        if self.markdown:
            return _Block("\n".join(lines), is_list=True, marker=marker)
        return _Block("; ".join(lines), is_list=True)

    def _item(self, marker, number, label, blocks):
        numbered = marker in {".", ")"}
        if not self.markdown:
            prefix = f"{number}. " if numbered else f"{label}) " if label else ""
            rest = (f"({b.text})" if b.is_list else b.text for b in blocks[1:])
            return " ".join([prefix + blocks[0].text, *rest])
        text = blocks[0].text
        for block in blocks[1:]:
            text += ("\n" if block.is_list else "\n\n") + block.text
        if label:
            text = f"{label}) {text}"
        bullet = f"{number}{marker}" if numbered else marker
        indent = " " * (len(bullet) + 1)
        first, *rest = text.split("\n")
        return "\n".join(
            [f"{bullet} {first}", *(f"{indent}{line}" if line else "" for line in rest)]
        )

    def table(self, element):
        rows = []  # (is_header_row, [cell elements])
        blocks = []
        for child in element.children:
            if not isinstance(child, _Element):
                continue
            if child.tag == "caption":
                blocks.extend(self.blocks(child.children))
            elif child.tag in {"thead", "tbody", "tfoot"}:
                rows.extend(
                    (child.tag == "thead", list(_cells(row)))
                    for row in child.children
                    if isinstance(row, _Element) and row.tag == "tr"
                )
            elif child.tag == "tr":
                rows.append((False, list(_cells(child))))
        rows = [(head, cells) for head, cells in rows if cells]
        if not rows:
            return blocks
        simple = self.markdown
        texts = []
        in_cell, self.in_cell = self.in_cell, True
        try:
            for _head, cells in rows:
                row = []
                for cell in cells:
                    if _integer(cell.attrs.get("colspan"), 1) > 1:
                        simple = False
                    if _integer(cell.attrs.get("rowspan"), 1) > 1:
                        simple = False
                    cell_blocks = self.blocks(cell.children)
                    if len(cell_blocks) > 1 or any("\n" in b.text for b in cell_blocks):
                        simple = False
                    row.append(" ".join(b.text.replace("\n", " ") for b in cell_blocks))
                texts.append(row)
        finally:
            self.in_cell = in_cell
        if simple:
            blocks.append(_Block(self._pipe_table(rows, texts)))
            return blocks
        if self.markdown:
            self.warn(
                _(
                    "a table with merged cells, or with lists or paragraphs in its cells, was "
                    "flattened to text, a line for each row: check that it still reads right"
                )
            )
            # Each cell as plain text, so a list in a cell does not leave its markers.
            flat = _Writer(markdown=False, warnings=self.warnings)
            texts = [[_escape_inline(flat.document(cell)) for cell in cells] for _h, cells in rows]
            lines = [_escape_line("; ".join(cell for cell in row if cell)) for row in texts]
            blocks.append(_Block("\\\n".join(line for line in lines if line)))
        else:
            self.warn(
                _(
                    "a table in a choice or its feedback was flattened to text: rows are separated by /"
                )
            )
            blocks.append(_Block(" / ".join("; ".join(c for c in row if c) for row in texts)))
        return blocks

    def _pipe_table(self, rows, texts):
        width = max(len(row) for row in texts)
        texts = [row + [""] * (width - len(row)) for row in texts]
        first_is_header = rows[0][0] or all(cell.tag == "th" for cell in rows[0][1])
        header, body = (texts[0], texts[1:]) if first_is_header else ([""] * width, texts)
        lines = [header, ["---"] * width, *body]
        return "\n".join("| " + " | ".join(row) + " |" for row in lines)

    # Inline

    def inline(self, node):
        if isinstance(node, str):
            text = _SPACES_RE.sub(" ", node.replace("\xa0", " "))
            return _escape_inline(text) if self.markdown else text
        tag = node.tag
        if tag in DROPPED:
            return ""
        if tag == "script":
            self.warn(_("a <script> was removed with its content"))
            return ""
        if tag == "br":
            return BR
        if tag in BLOCK:  # a block inside an inline element: keep it on a line of its own
            return BR + self.children(node) + BR
        if tag in {"strong", "b"}:
            return self._wrapped(node, "**")
        if tag in {"em", "i"}:
            return self._wrapped(node, "_")
        if tag in {"s", "strike", "del"}:
            return self._wrapped(node, "~~")
        if tag in {"code", "tt", "kbd", "samp"}:
            return self.code(node)
        if tag == "sup":
            return self.superscript(node)
        if tag == "sub":
            return self.children(node)
        if tag == "q":
            return f'"{self.children(node)}"'
        if tag == "a":
            return self.link(node)
        if tag == "img":
            return self.image(node)
        if tag in MEDIA:
            return self.media(node)
        if tag not in UNWRAPPED and ":" not in tag:  # o:p and other Word markup: unwrapped
            self.warn(
                _("the <%(tag)s> element is not supported: only its text was kept") % {"tag": tag}
            )
        return self.children(node)

    def children(self, element):
        return "".join(self.inline(child) for child in element.children)

    def _wrapped(self, element, marker):
        """The element's text between stand-ins for `marker`, which `_markers` writes once
        the paragraph is put together and the characters around each are known."""
        if not self.markdown or marker in self.emphasis:  # <b>a <b>b</b></b>: bold once
            return self.children(element)
        self.emphasis.add(marker)
        try:
            inner = self.children(element)
        finally:
            self.emphasis.discard(marker)
        opening, closing = _MARKERS[marker]
        pieces = _PARAGRAPH_BREAK_RE.split(inner)  # <b>a<br><br>b</b>: each paragraph bold
        for index in range(0, len(pieces), 2):
            # Spaces go outside the markers: CommonMark reads "** a **" as asterisks.
            lead, core, trail = _EDGES_RE.fullmatch(pieces[index]).groups()
            if _MARKER_RUN_RE.sub("", core):
                pieces[index] = f"{lead}{opening}{core}{closing}{trail}"
        return "".join(pieces)

    def code(self, element):
        text = _SPACES_RE.sub(" ", element.text().replace("\xa0", " "))
        if not text.strip() or not self.markdown:
            return text
        if self.in_cell:
            text = text.replace("|", "\\|")
        longest = max((len(run) for run in re.findall("`+", text)), default=0)
        fence = "`" * (longest + 1)
        padding = " " if text.startswith("`") or text.endswith("`") else ""
        return f"{fence}{padding}{text}{padding}{fence}{CODE_END}"

    def superscript(self, element):
        inner = self.children(element).strip(" " + BR)
        if not inner or element.text().strip().lower() in _NOT_EXPONENTS:
            return inner
        return f"^({inner})" if " " in inner else f"^{inner}"

    def link(self, element):
        text = self.children(element)
        href = element.attrs.get("href")
        url = (href or "").strip()
        if not url or url.startswith("#"):  # an anchor, or a link within the page
            return text
        scheme = urlsplit(re.sub(r"[\x00-\x20]", "", url)).scheme.lower()
        if scheme not in LINK_SCHEMES:
            self.warn(
                _(
                    "a link to %(url)s was kept as plain text: only http, https and mailto "
                    "links are imported"
                )
                % {"url": _shortened(url)}
            )
            return text
        if not self.markdown:
            shown = url.removeprefix("mailto:")
            return f"{text} ({shown})" if text.strip() and text.strip() != shown else shown
        label = text.strip(" " + BR) or _escape_inline(url.removeprefix("mailto:"))
        return f"[{label}]({_destination(url)})"

    def image(self, element):
        alt = _SPACES_RE.sub(" ", element.attrs.get("alt", "")).strip()
        source = element.attrs.get("src", "").strip()
        name = "" if source.startswith("data:") else unquote(source.rsplit("/", 1)[-1])
        self.warn(
            _(
                "an image (%(image)s) was not imported: its description stands in its "
                "place; add the image or describe it in the text"
            )
            % {"image": alt or name or _("no description")}
        )
        placeholder = f"[{_('image: %(alt)s') % {'alt': alt}}]" if alt else f"[{_('image')}]"
        return _escape_inline(placeholder) if self.markdown else placeholder

    def media(self, element):
        source = element.attrs.get("src") or element.attrs.get("data") or ""
        for child in element.children:
            if not source and isinstance(child, _Element) and child.tag == "source":
                source = child.attrs.get("src", "")
        source = source.strip()
        self.warn(
            _("embedded media (%(source)s) was not imported: a placeholder stands in its place")
            % {"source": _shortened(source) or f"<{element.tag}>"}
        )
        placeholder = (
            f"[{_('embedded media')}: {source}]" if source else f"[{_('embedded media')}]"
        )
        return _escape_inline(placeholder) if self.markdown else placeholder


def _markers(match):
    """Markdown for a run of bold, italic and strikethrough stand-ins, read as intended.

    A marker's inside is the text it marks, its outside what is around. CommonMark takes
    ** and ~~ for markers if they have a letter inside or a space or punctuation outside,
    and _ only if it has a space or punctuation outside; a word joiner (which reads as
    punctuation) is written outside a marker that has neither.
    """
    text, start, end = match.string, match.start(), match.end()
    run = []
    for stand_in in match[0]:
        if stand_in in _OPENING and run and run[-1] == _MARKERS[_OPENING[stand_in]][1]:
            run.pop()  # <b>a</b><b>b</b>: closed and opened again, so one bold text
        else:
            run.append(stand_in)
    # Those that close come first (innermost first), then those that open (outermost first).
    closers = [_CLOSING[stand_in] for stand_in in run if stand_in in _CLOSING]
    openers = [_OPENING[stand_in] for stand_in in run if stand_in in _OPENING]
    before, after = text[start - 1 : start], text[end : end + 1]
    joiner_before = joiner_after = ""
    if closers and not openers and not _open(after):
        inside = closers[-2][0] if len(closers) > 1 else before
        if closers[-1] == "_" or not inside.isalnum():
            joiner_after = WORD_JOINER
    if openers and not closers and not _open(before):
        inside = openers[1][0] if len(openers) > 1 else after
        if openers[0] == "_" or not inside.isalnum():
            joiner_before = WORD_JOINER
    # Markers of different kinds are each other's punctuation: nothing to add between them.
    return f"{joiner_before}{''.join(closers)}{''.join(openers)}{joiner_after}"


def _open(char):
    """Whether CommonMark sees `char` beside a marker as a space or punctuation (or the
    edge of a line), which lets the marker open or close whatever is on its other side."""
    return (
        not char
        or char in "\t\n\v\f\r" + BR + CODE_END  # a code span ends with a backtick
        or char in string.punctuation
        or unicodedata.category(char) == "Zs"
    )


def _cells(row):
    return (
        cell for cell in row.children if isinstance(cell, _Element) and cell.tag in {"td", "th"}
    )


def _integer(value, default):
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return default


def _label(number, style):
    """The a, b, c or i, ii, iii of an <ol type=...>, which Markdown lists cannot show."""
    if style in {"a", "A"}:
        letters = ""
        while number > 0:
            number, remainder = divmod(number - 1, 26)
            letters = chr(ord("a") + remainder) + letters
        return letters.upper() if style == "A" else letters
    numerals = ""
    for value, numeral in (
        (1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"), (50, "l"),
        (40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i"),
    ):  # fmt: skip
        count, number = divmod(number, value)
        numerals += numeral * count
    return numerals.upper() if style == "I" else numerals


def _destination(url):
    """A link destination Markdown reads back as `url`."""
    url = re.sub(r"[\x00-\x20]", lambda match: f"%{ord(match[0]):02X}", url)
    url = url.replace("<", "%3C").replace(">", "%3E").replace("\\", "%5C")
    return url.replace("(", "\\(").replace(")", "\\)")


def _shortened(text, limit=80):
    text = _SPACES_RE.sub(" ", text).strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"

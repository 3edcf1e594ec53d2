import re
from html.parser import HTMLParser

import pytest

from education.markdown import ALLOWED_TAGS, render_markdown


class ElementCollector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.elements = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))


def elements(html):
    collector = ElementCollector()
    collector.feed(html)
    return collector.elements


XSS_PAYLOADS = [
    "<script>alert(1)</script>",
    '<img src="x" onerror="alert(1)">',
    "<svg onload=alert(1)>",
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](jav&#x09;ascript:alert(1))",
    "[click](&#106;avascript:alert(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![x](data:image/svg+xml,<svg onload=alert(1)>)",
    '<iframe src="https://evil.example"></iframe>',
    "<style>body{display:none}</style>",
    '<form action="https://evil.example"><input name="p"></form>',
    '<base href="https://evil.example/">',
    '<a href="https://x.example" onclick="alert(1)">x</a>',
    "<object data=x></object>",
]


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_it_neutralises_xss_payloads(payload):
    for tag, attrs in elements(render_markdown(f"Before\n\n{payload}\n\nafter")):
        assert tag in ALLOWED_TAGS
        assert not any(name.startswith("on") for name in attrs)
        for url in (attrs.get("href"), attrs.get("src")):
            # Browsers ignore whitespace and control characters inside a scheme.
            squeezed = re.sub(r"[\x00-\x20]", "", url or "").lower()
            assert not squeezed.startswith(("javascript:", "data:", "vbscript:"))


def test_it_keeps_tables_headings_with_anchors_lists_and_quotes():
    html = render_markdown(
        "## Bone health\n\n- one\n- two\n\n> quoted\n\n| Site | Sign |\n|---|---|\n| Bone | Pain |"
        "\n\n**bold** and *soft*"
    )
    assert '<h2 id="bone-health">Bone health</h2>' in html
    assert "<ul>" in html and "<li>one</li>" in html
    assert "<blockquote>" in html
    assert "<table>" in html and "<td>Bone</td>" in html
    assert "<strong>bold</strong>" in html and "<em>soft</em>" in html


def test_external_links_get_noopener_and_internal_links_do_not():
    html = render_markdown("[out](https://example.org/page) and [in](/lessons/diagnosis/)")
    assert '<a href="https://example.org/page" rel="noopener noreferrer">out</a>' in html
    assert '<a href="/lessons/diagnosis/">in</a>' in html


def test_template_syntax_stays_literal_text():
    assert "{{ request }}" in render_markdown("Show {{ request }} and {% debug %}")


def test_struck_through_text_keeps_its_line():
    assert render_markdown("~~withdrawn~~").strip() == "<p><s>withdrawn</s></p>"

"""Markdown to safe HTML, done once when content is saved, never while serving a page.

markdown-it renders with raw HTML switched off; nh3 then keeps only an allow-list of tags,
attributes and URL schemes, so even a renderer bug cannot put script on a learner's page.
"""

from urllib.parse import urlsplit

import nh3
from django.utils.html import escape
from django.utils.translation import gettext
from markdown_it import MarkdownIt
from mdit_py_plugins.anchors import anchors_plugin

ALLOWED_TAGS = {
    "a", "blockquote", "br", "code", "em", "h2", "h3", "h4", "hr", "li", "ol", "p",
    "pre", "strong", "table", "tbody", "td", "th", "thead", "tr", "ul", "del", "s", "sup", "sub",
    "div",
}  # fmt: skip
# A wide table scrolls inside its own keyboard-focusable region on a phone.
TABLE_REGION = {"class": "table-scroll", "tabindex": "0", "role": "region"}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "rel"},
    "div": {"aria-label"},
    "h2": {"id"},
    "h3": {"id"},
    "h4": {"id"},
    "th": {"align"},
    "td": {"align"},
    "ol": {"start"},
}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}
EXTERNAL_REL = "noopener noreferrer"


def _markdown():
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": True})
    md.enable(["table", "strikethrough"])
    anchors_plugin(md, min_level=2, max_level=4, permalink=False)

    def link_open(renderer, tokens, idx, options, env):
        href = tokens[idx].attrGet("href") or ""
        if urlsplit(href).scheme in {"http", "https"}:
            tokens[idx].attrSet("rel", EXTERNAL_REL)
        return renderer.renderToken(tokens, idx, options, env)

    def table_open(renderer, tokens, idx, options, env):
        label = escape(gettext("Table"))
        return f'<div class="table-scroll" tabindex="0" role="region" aria-label="{label}">' + (
            renderer.renderToken(tokens, idx, options, env)
        )

    def table_close(renderer, tokens, idx, options, env):
        return renderer.renderToken(tokens, idx, options, env) + "</div>"

    md.add_render_rule("link_open", link_open)
    md.add_render_rule("table_open", table_open)
    md.add_render_rule("table_close", table_close)
    return md


_MD = _markdown()


def _only_external_rel(tag, attribute, value):
    if tag == "a" and attribute == "rel":
        return EXTERNAL_REL
    return value


def sanitise_html(html):
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        clean_content_tags={"script", "style", "iframe", "object", "embed", "form", "template"},
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel=None,
        attribute_filter=_only_external_rel,
        tag_attribute_values={"div": {name: {value} for name, value in TABLE_REGION.items()}},
        strip_comments=True,
    )


def render_markdown(text):
    return sanitise_html(_MD.render(text or ""))

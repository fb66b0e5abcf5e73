"""Rich text of cases: a little HTML (or plain paragraphs) in, sanitised HTML out (nh3 = Ammonia).

Authors write in a plain textarea: paragraphs separated by an empty line, or simple HTML (paragraphs,
headings h2–h4, bold, italic, lists, quotes, links). Everything else — scripts, styles, event handlers,
images, iframes, `javascript:` links — is removed. Text is sanitised when it is saved AND again when it is
rendered, so a row written by other means never reaches a page unsanitised."""

from __future__ import annotations

import html
import re

import nh3

ALLOWED_TAGS = {"p", "br", "strong", "em", "b", "i", "ul", "ol", "li", "h2", "h3", "h4", "blockquote", "a"}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
URL_SCHEMES = {"http", "https", "mailto"}

_BLOCK = re.compile(r"<\s*(p|h[1-6]|ul|ol|blockquote|br)\b", re.IGNORECASE)
_BLOCK_END = re.compile(r"</\s*(p|h[1-6]|li|blockquote)\s*>|<br\s*/?>", re.IGNORECASE)
_H1 = re.compile(r"<(/?)\s*h1\b", re.IGNORECASE)  # the page's title is the only h1


def _clean(text: str) -> str:
    return nh3.clean(
        text,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    ).strip()


def sanitise(text: str) -> str:
    """Sanitised HTML for a case body; text without paragraphs becomes paragraphs (at blank lines) with line
    breaks. The result is stable: sanitising it again gives the same HTML."""
    cleaned = _clean(_H1.sub(r"<\1h2", (text or "").replace("\r\n", "\n").strip()))
    if cleaned and not _BLOCK.search(cleaned):
        paragraphs = [p.strip() for p in re.split(r"\n\s*\n", cleaned) if p.strip()]
        cleaned = _clean("".join(f"<p>{p.replace(chr(10), '<br>')}</p>" for p in paragraphs))
    return cleaned


def plain_text(html_text: str) -> str:
    """The words of sanitised HTML, for the search index and descriptions."""
    spaced = _BLOCK_END.sub(" ", html_text or "")
    without_tags = nh3.clean(spaced, tags=set())
    return re.sub(r"\s+", " ", html.unescape(without_tags)).strip()

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


# The tags and entities sanitised HTML is made of (what `sanitise` writes): lower-case allowed tags with
# double-quoted attributes, and the entities the serialiser escapes text with.
_SANITISED_TAG = re.compile(r'</?(?:p|br|strong|em|b|i|ul|ol|li|h[2-4]|blockquote|a)'
                            r'(?:\s+[a-z][a-z-]*(?:="[^"<]*")?)*\s*/?>')
_PLAIN_ENTITY = re.compile(r"&(?:amp|lt|gt|quot|nbsp|#39);")


def _without_tags(spaced: str) -> str:
    """`spaced` without its tags, entities as they stand: nh3 (a full HTML parser) unless the text is the
    simple HTML `sanitise` writes, whose tags a regex removes with the same result several times faster
    (the index build reads the body of every case). Anything else — another tag, a comment, a `<` left
    over, another entity, a NUL (which the parser drops) — goes to nh3."""
    stripped = _SANITISED_TAG.sub("", spaced)
    if "<" in stripped or "\x00" in stripped or ("&" in stripped and "&" in _PLAIN_ENTITY.sub("", stripped)):
        return nh3.clean(spaced, tags=set())
    return stripped


def plain_text(html_text: str) -> str:
    """The words of sanitised HTML, for the search index and descriptions."""
    spaced = _BLOCK_END.sub(" ", html_text or "")
    return " ".join(html.unescape(_without_tags(spaced)).split())  # split(): the whitespace of re's \s


def plain_text_by_parser(html_text: str) -> str:
    """`plain_text` with every text through nh3: what the fast path of `_without_tags` must equal."""
    spaced = _BLOCK_END.sub(" ", html_text or "")
    return re.sub(r"\s+", " ", html.unescape(nh3.clean(spaced, tags=set()))).strip()

"""Pure helpers: sanitising rich text, reading video links, and the accessible embed colours."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from viaviden.cases.richtext import plain_text, plain_text_by_parser, sanitise
from viaviden.cases.theme import contrast, parse_color, theme
from viaviden.cases.video import parse_video_url


def test_plain_text_becomes_paragraphs_and_line_breaks():
    assert sanitise("Første afsnit\nmed linjeskift.\n\nAndet & sidste.") == (
        "<p>Første afsnit<br>med linjeskift.</p><p>Andet &amp; sidste.</p>")


def test_limited_html_is_kept_and_everything_else_removed():
    html = ('<h1>Titel</h1><h3 style="color:red">Under</h3><p onclick="x()">Tekst <strong>fed</strong> '
            '<a href="https://ucn.dk" target="_blank">UCN</a> <a href="javascript:alert(1)">ond</a></p>'
            '<script>alert(1)</script><iframe src="https://evil"></iframe><img src=x onerror=alert(1)>')

    assert sanitise(html) == (
        '<h2>Titel</h2><h3>Under</h3><p>Tekst <strong>fed</strong> <a href="https://ucn.dk" '
        'rel="noopener noreferrer nofollow">UCN</a> <a rel="noopener noreferrer nofollow">ond</a></p>')


@given(st.text(max_size=300))
def test_sanitising_is_idempotent_and_never_lets_a_script_through(text):
    once = sanitise(text)

    assert sanitise(once) == once
    assert "<script" not in once.lower()
    assert "onerror=" not in once.lower()


def test_plain_text_of_html():
    assert plain_text("<h2>Om</h2><p>Hej &amp; <b>dig</b></p><ul><li>en</li><li>to</li></ul>") == "Om Hej & dig en to"


# Pieces of HTML, sanitised and not: allowed and other tags, attributes with ">" and entities, comments,
# entities with and without semicolons, NUL, stray "<", whitespace of every kind.
_HTML_PIECES = st.sampled_from([
    "<p>", "</p>", "<br>", "<br/>", "<br />", "<strong>", "</strong>", "<b>", "</B>", "<em>", "<i>", "</i>",
    "<ul>", "<li>", "</li>", "</ul>", "<ol>", "<h2>", "</h2>", "<h1>", "<h4 >", "<blockquote>", "</blockquote>",
    '<a href="https://ucn.dk/?a=1&amp;b=2" rel="noopener noreferrer nofollow">', '<a href="x>y" title="q&quot;">',
    "</a>", "<a href=x>", "<span>", "<div class=\"x\">", "<script>", "</script>", "<style>p{}</style>",
    "<!-- note -->", "<table><tr><td>", "<pre>\n", "<textarea>", "&amp;", "&lt;", "&gt;", "&quot;", "&#39;",
    "&nbsp;", "&amp", "&notit;", "&#128;", "&#0;", "&#x41;", "&AElig;", "&", "<", ">", "\x00", "\r\n", "\t",
    "\u00a0", "\u2003", " ", "\n\n", "æøå", "Markedsføring", "ISO 9001", "c#", "é",
])


@given(st.lists(st.one_of(_HTML_PIECES, st.text(max_size=8)), max_size=25))
def test_plain_text_equals_the_html_parsers_reading(pieces):
    # The fast path (regex for the HTML `sanitise` writes) must read every text exactly as nh3 does.
    html = "".join(pieces)

    assert plain_text(html) == plain_text_by_parser(html)
    assert plain_text(sanitise(html)) == plain_text_by_parser(sanitise(html))


@pytest.mark.parametrize("url,provider,ident", [
    ("https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=10", "youtube", "dQw4w9WgXcQ"),
    ("https://youtu.be/dQw4w9WgXcQ", "youtube", "dQw4w9WgXcQ"),
    ("https://www.youtube.com/shorts/dQw4w9WgXcQ", "youtube", "dQw4w9WgXcQ"),
    ("https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ", "youtube", "dQw4w9WgXcQ"),
    ("https://vimeo.com/76979871", "vimeo", "76979871"),
    ("https://vimeo.com/76979871/abcdef1234", "vimeo", "76979871:abcdef1234"),
    ("https://player.vimeo.com/video/76979871?h=abcdef1234", "vimeo", "76979871:abcdef1234"),
    ("https://www.ucn.dk/video/case.mp4", "file", "https://www.ucn.dk/video/case.mp4"),
])
def test_video_links(url, provider, ident):
    video = parse_video_url(url)

    assert (video.provider, video.id) == (provider, ident)


@pytest.mark.parametrize("url", ["https://www.youtube.com/watch?v=kort", "http://www.ucn.dk/case.mp4",
                                 "https://example.org/video", "javascript:alert(1)", "", "https://vimeo.com/abc"])
def test_not_video_links(url):
    assert parse_video_url(url) is None


def test_privacy_friendly_embed_addresses():
    assert parse_video_url("https://youtu.be/dQw4w9WgXcQ").embed_url == (
        "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ?rel=0")
    assert parse_video_url("https://vimeo.com/76979871/abcdef1234").embed_url == (
        "https://player.vimeo.com/video/76979871?dnt=1&h=abcdef1234")


@pytest.mark.parametrize("value,expected", [("#005B7F", "#005b7f"), ("005b7f", "#005b7f"), ("red", None),
                                            ("#fff", None), (None, None)])
def test_parse_color(value, expected):
    assert parse_color(value) == expected


@given(st.from_regex(r"#[0-9a-f]{6}", fullmatch=True))
def test_every_partner_colour_gives_aa_contrast(color):
    t = theme(color)

    assert contrast(t["accent"], t["on_accent"]) >= 4.5
    assert contrast(t["link"], "#ffffff") >= 4.5

"""A partner's colour for the embedded case list, made accessible: text on the colour is white or black,
whichever contrasts more, and links in the colour are darkened until they reach WCAG 2.1 AA contrast
(4.5:1) on white. The result is served as a small same-origin stylesheet (the CSP allows no inline
styles)."""

from __future__ import annotations

import re

DEFAULT_COLOR = "#005b7f"
_HEX = re.compile(r"#?([0-9a-fA-F]{6})")
AA_TEXT = 4.5


def parse_color(value: str | None) -> str | None:
    found = _HEX.fullmatch((value or "").strip())
    return f"#{found.group(1).lower()}" if found else None


def _channel(c: float) -> float:
    c /= 255
    return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4


def luminance(color: str) -> float:
    r, g, b = (int(color[i:i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)


def contrast(a: str, b: str) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def darken(color: str, factor: float) -> str:
    r, g, b = (int(color[i:i + 2], 16) for i in (1, 3, 5))
    return "#" + "".join(f"{max(0, int(c * factor)):02x}" for c in (r, g, b))


def theme(color: str) -> dict[str, str]:
    """The colours of an embed: accent (backgrounds), on_accent (text on it), link (text on white)."""
    accent = parse_color(color) or DEFAULT_COLOR
    on_accent = "#ffffff" if contrast(accent, "#ffffff") >= contrast(accent, "#000000") else "#000000"
    link = accent
    factor = 1.0
    while contrast(link, "#ffffff") < AA_TEXT and factor > 0:
        factor -= 0.05
        link = darken(accent, factor)
    return {"accent": accent, "on_accent": on_accent, "link": link}


def theme_css(color: str) -> str:
    t = theme(color)
    return (
        ":root {\n"
        f"  --case-accent: {t['accent']};\n"
        f"  --case-on-accent: {t['on_accent']};\n"
        f"  --case-link: {t['link']};\n"
        "}\n"
    )

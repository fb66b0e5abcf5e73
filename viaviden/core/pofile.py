"""A small reader for gettext .po files, enough to check the English catalogue for completeness.

No dependency: the format's subset that Django's makemessages writes (msgctxt, msgid, msgid_plural,
msgstr, msgstr[n], flags, obsolete `#~` entries) is parsed here.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class PoEntry:
    msgid: str = ""
    msgctxt: str | None = None
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    obsolete: bool = False

    @property
    def key(self) -> tuple[str | None, str]:
        return (self.msgctxt, self.msgid)

    @property
    def translated(self) -> bool:
        return bool(self.msgstr) and all(value.strip() for value in self.msgstr.values())


def _unquote(text: str) -> str:
    return ast.literal_eval(text.strip()) if text.strip() else ""


def parse_po(path: Path | str) -> list[PoEntry]:
    """Every entry of a .po file except the header (the entry with an empty msgid)."""
    entries: list[PoEntry] = []
    current = PoEntry()
    target: tuple[str, int] | None = None
    started = False

    def finish() -> None:
        nonlocal current, started, target
        if started and current.msgid:
            entries.append(current)
        current, started, target = PoEntry(), False, None

    for raw in Path(path).read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        obsolete = line.startswith("#~")
        if obsolete:
            line = line[2:].strip()
        if not line:
            finish()
            continue
        if line.startswith("#,") and not obsolete:
            if started:
                finish()
            current.flags.update(flag.strip() for flag in line[2:].split(","))
            continue
        if line.startswith("#"):
            if started and not line.startswith("#|"):
                finish()
            continue
        keyword, _, rest = line.partition(" ")
        if keyword == "msgctxt" or (keyword == "msgid" and started and current.msgstr):
            finish()
        if keyword.startswith('"'):
            if target is None:
                continue
            name, index = target
            if name == "msgstr":
                current.msgstr[index] = current.msgstr.get(index, "") + _unquote(line)
            else:
                setattr(current, name, (getattr(current, name) or "") + _unquote(line))
            continue
        started = True
        current.obsolete = current.obsolete or obsolete
        if keyword.startswith("msgstr["):
            index = int(keyword[len("msgstr[") : -1])
            current.msgstr[index] = _unquote(rest)
            target = ("msgstr", index)
        elif keyword == "msgstr":
            current.msgstr[0] = _unquote(rest)
            target = ("msgstr", 0)
        elif keyword in {"msgid", "msgctxt", "msgid_plural"}:
            setattr(current, keyword, _unquote(rest))
            target = (keyword, 0)
    finish()
    return entries

"""Videos of cases: a link from YouTube, Vimeo or a video file, stored as provider + id, and shown with a
privacy-friendly embed (youtube-nocookie.com, Vimeo with dnt=1) that loads only when the visitor clicks
"Vis video" — no request goes to the provider before that."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

YOUTUBE_HOSTS = {"youtube.com", "www.youtube.com", "m.youtube.com", "youtu.be", "www.youtube-nocookie.com",
                 "youtube-nocookie.com"}
VIMEO_HOSTS = {"vimeo.com", "www.vimeo.com", "player.vimeo.com"}
VIDEO_FILE_SUFFIXES = (".mp4", ".webm", ".ogv", ".ogg", ".m4v")
_YOUTUBE_ID = re.compile(r"[A-Za-z0-9_-]{11}")
_VIMEO_PATH = re.compile(r"/(?:video/)?(\d{4,12})(?:/([0-9a-f]{6,20}))?/?$")

# Frame sources the case page needs once a visitor chooses to see a video (set per response, see views).
FRAME_SOURCES = {"youtube": "https://www.youtube-nocookie.com", "vimeo": "https://player.vimeo.com"}


@dataclass(frozen=True)
class Video:
    provider: str  # youtube | vimeo | file
    id: str  # YouTube id, Vimeo "123456" or "123456:hash", or the file's https URL

    @property
    def embed_url(self) -> str:
        if self.provider == "youtube":
            return f"https://www.youtube-nocookie.com/embed/{self.id}?rel=0"
        if self.provider == "vimeo":
            number, _sep, key = self.id.partition(":")
            return f"https://player.vimeo.com/video/{number}?dnt=1" + (f"&h={key}" if key else "")
        return self.id

    @property
    def watch_url(self) -> str:
        """Where the video can be seen on the provider's own site (the link for visitors without JS)."""
        if self.provider == "youtube":
            return f"https://www.youtube.com/watch?v={self.id}"
        if self.provider == "vimeo":
            number, _sep, key = self.id.partition(":")
            return f"https://vimeo.com/{number}" + (f"/{key}" if key else "")
        return self.id

    @property
    def provider_name(self) -> str:
        return {"youtube": "YouTube", "vimeo": "Vimeo"}.get(self.provider, "")

    @property
    def file_origin(self) -> str:
        parts = urlsplit(self.id)
        return f"{parts.scheme}://{parts.netloc}" if self.provider == "file" else ""


def parse_video_url(url: str) -> Video | None:
    """The video behind a link, or None when the link is not a YouTube, Vimeo or https video-file link."""
    url = (url or "").strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("http", "https") or not host:
        return None
    if host in YOUTUBE_HOSTS:
        candidate = ""
        if host == "youtu.be":
            candidate = parts.path.strip("/").split("/")[0]
        elif parts.path == "/watch":
            candidate = (parse_qs(parts.query).get("v") or [""])[0]
        else:
            segments = [s for s in parts.path.split("/") if s]
            if len(segments) >= 2 and segments[0] in ("embed", "shorts", "live", "v"):
                candidate = segments[1]
        return Video("youtube", candidate) if _YOUTUBE_ID.fullmatch(candidate) else None
    if host in VIMEO_HOSTS:
        found = _VIMEO_PATH.search(parts.path)
        if not found:
            return None
        key = found.group(2) or (parse_qs(parts.query).get("h") or [""])[0]
        key = key if re.fullmatch(r"[0-9a-f]{6,20}", key or "") else ""
        return Video("vimeo", found.group(1) + (f":{key}" if key else ""))
    if parts.scheme == "https" and parts.path.lower().endswith(VIDEO_FILE_SUFFIXES):
        return Video("file", url)
    return None

"""Video evidence through Debian's ffmpeg (installed by `scripts/setup`): ffprobe reads what a clip says of itself,
ffmpeg draws its poster frame for the gallery and writes the copy without its metadata.

The copy is a re-mux (the streams copied, not re-encoded: seconds for a phone's clip, and the picture unchanged)
without the container's and the streams' tags, where phones keep the position they were recorded at.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from adapters.document_store import store_once

# A phone's clip of a minute is probed and re-muxed in well under a second; a file that keeps ffmpeg longer is
# not one we want.
FFMPEG_TIMEOUT_SECONDS = 60
POSTER_WIDTH = 640


class VideoUnreadable(Exception):
    """The file is not a video ffmpeg can read (or ffmpeg is not installed); the message says which."""


@dataclass(frozen=True)
class VideoFacts:
    tags: dict[str, str] = field(default_factory=dict)  # the container's, then each stream's
    duration_seconds: float | None = None


def _run(tool: str, *arguments: str) -> str:
    executable = shutil.which(tool)
    if executable is None:
        raise VideoUnreadable(f"videos cannot be kept here: {tool} is not installed (scripts/setup installs ffmpeg)")
    try:
        done = subprocess.run(  # noqa: S603 - ffmpeg from PATH; the paths are the document store's own
            [executable, "-v", "error", *arguments],
            capture_output=True,
            text=True,
            timeout=FFMPEG_TIMEOUT_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise VideoUnreadable("the video could not be read in time") from None
    if done.returncode != 0:
        reason = (done.stderr.strip().splitlines() or ["unreadable"])[-1]
        raise VideoUnreadable(f"the video is damaged or not a video ({reason})")
    return done.stdout


def probe(path: Path) -> VideoFacts:
    answer = json.loads(_run("ffprobe", "-print_format", "json", "-show_format", "-show_streams", str(path)))
    streams = answer.get("streams", [])
    if not any(s.get("codec_type") == "video" and s.get("disposition", {}).get("attached_pic") != 1 for s in streams):
        raise VideoUnreadable("the file has no moving picture (a sound recording, or a still)")
    tags = {str(k): str(v) for k, v in answer.get("format", {}).get("tags", {}).items()}
    for stream in streams:
        for key, value in stream.get("tags", {}).items():
            tags.setdefault(str(key), str(value))
    duration = answer.get("format", {}).get("duration")
    return VideoFacts(tags=tags, duration_seconds=float(duration) if duration else None)


def _made_by_ffmpeg(target: Path, relative: str, *arguments: str, suffix: str) -> None:
    """Runs ffmpeg into a scratch file beside `target`, then stores it under its name once."""
    with tempfile.TemporaryDirectory(dir=target.parent) as scratch:
        made = Path(scratch) / f"made{suffix}"
        _run("ffmpeg", "-nostdin", "-y", *arguments, str(made))
        store_once(target, made.read_bytes(), relative)


def store_poster_frame(video: Path, target: Path, relative: str) -> None:
    """The clip's first frame as a JPEG (no metadata of its own), for the gallery."""
    scale = f"scale='min({POSTER_WIDTH},iw)':-2"
    _made_by_ffmpeg(target, relative, "-i", str(video), "-frames:v", "1", "-vf", scale, suffix=".jpg")


def store_without_metadata(video: Path, target: Path, relative: str) -> None:
    """The clip re-muxed without the container's or the streams' tags: no position, no time, no phone."""
    _made_by_ffmpeg(
        target,
        relative,
        *("-i", str(video), "-map", "0:v", "-map", "0:a?", "-c", "copy"),
        *("-map_metadata", "-1", "-map_metadata:s", "-1", "-map_chapters", "-1"),
        *("-fflags", "+bitexact", "-movflags", "+faststart"),
        suffix=video.suffix,
    )

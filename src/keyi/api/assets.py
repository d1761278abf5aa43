"""The web app's built files, served with their gzip form compressed once, not per request.

The GZip middleware compressed the 1.1 MB main bundle on every request (~50 ms of a core at
level 9, more on a busy machine) although the file never changes: built assets carry a content
hash in their name. Each file is compressed the first time it is asked for and kept in memory,
keyed by path and modification time, so a rebuild is picked up.
"""

from __future__ import annotations

import gzip
import mimetypes
import threading
from pathlib import Path

from fastapi import Request
from fastapi.responses import FileResponse, Response

# Smaller than this and compression buys less than the header costs.
MIN_SIZE = 1024
COMPRESSIBLE = (".js", ".css", ".svg", ".json", ".html", ".txt", ".map")
IMMUTABLE = "public, max-age=31536000, immutable"


class CompressedFiles:
    """gzip bytes of static files, computed once per file version."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[Path, tuple[float, bytes]] = {}

    def gzipped(self, path: Path) -> bytes:
        mtime = path.stat().st_mtime
        entry = self._entries.get(path)
        if entry is not None and entry[0] == mtime:
            return entry[1]
        data = gzip.compress(path.read_bytes(), compresslevel=9, mtime=0)
        with self._lock:
            self._entries[path] = (mtime, data)
        return data


def accepts_gzip(request: Request) -> bool:
    encodings = request.headers.get("accept-encoding", "")
    return any(part.split(";")[0].strip() == "gzip" for part in encodings.split(","))


def asset_response(
    path: Path, request: Request, cache: CompressedFiles, *, immutable: bool
) -> Response:
    """The file, gzipped from the cache when the client takes gzip and it is worth it."""
    headers = {"Cache-Control": IMMUTABLE} if immutable else {}
    if path.suffix in COMPRESSIBLE and path.stat().st_size >= MIN_SIZE and accepts_gzip(request):
        media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        headers.update({"Content-Encoding": "gzip", "Vary": "Accept-Encoding"})
        return Response(cache.gzipped(path), media_type=media_type, headers=headers)
    return FileResponse(path, headers=headers)

"""Reading submitted zip archives safely, in memory (nothing is ever extracted to disk).

Every entry is judged before its bytes are read: a name that climbs out (``../``, an absolute
path: zip-slip), a symbolic link or a special file, an entry or an archive too large, a
compression ratio of a zip bomb, too many entries, and archives nested deeper than one level
are each rejected with their reason; a corrupt archive is one reason for the whole file.
"""

from __future__ import annotations

import io
import stat
import zipfile
from dataclasses import dataclass
from datetime import datetime

from course.base.i18n import Text, text

MAX_ENTRIES = 5000
MAX_ENTRY_BYTES = 100 * 1024 * 1024
MAX_TOTAL_BYTES = 1024 * 1024 * 1024
MAX_RATIO = 200  # uncompressed / compressed, above which an entry is a bomb
MAX_DEPTH = 1  # an archive inside an archive is read; one inside that is not


class ArchiveError(Exception):
    """The whole archive cannot be read (corrupt, not a zip, too many entries); ``why`` says
    it in both languages."""

    def __init__(self, why: Text) -> None:
        super().__init__(why["en"])
        self.why = why


@dataclass
class Entry:
    """One entry: its path inside the archive, its bytes (None when rejected), the status
    ("ok" or why it is rejected) and the entry's time (naive: zip stores local time)."""

    name: str
    data: bytes | None
    status: str
    detail: Text | str
    time: datetime | None


def _bad_name(name: str) -> Text | None:
    n = name.replace("\\", "/")
    parts = [p for p in n.split("/") if p not in ("", ".")]
    if n.startswith("/") or (len(n) > 1 and n[1] == ":") or ".." in parts:
        return text("son nom sort de l'archive (zip-slip)", "its name climbs out of the archive (zip-slip)")
    if any(ord(c) < 32 for c in n):
        return text("caractères de contrôle dans son nom", "control characters in its name")
    return None


def read_zip(data: bytes) -> list[Entry]:
    """The entries of a zip archive (folders left out), each read or rejected with its reason."""
    try:
        z = zipfile.ZipFile(io.BytesIO(data))
        infos = z.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError) as exc:
        raise ArchiveError(text(f"archive zip illisible ({exc})", f"not a readable zip archive ({exc})")) from None
    if len(infos) > MAX_ENTRIES:
        raise ArchiveError(text(f"{len(infos)} entrées (au plus {MAX_ENTRIES})",
                                f"{len(infos)} entries (at most {MAX_ENTRIES})"))
    out: list[Entry] = []
    total = 0
    for info in infos:
        name = info.filename
        if name.endswith("/"):
            continue
        try:
            when: datetime | None = datetime(*info.date_time)
        except ValueError:
            when = None
        # the Unix file type, when the zip records one (many tools store permissions only)
        kind = stat.S_IFMT(info.external_attr >> 16)
        why = _bad_name(name)
        status = "rejected"
        if why is None and kind and kind != stat.S_IFREG:
            why = (text("un lien symbolique", "a symbolic link") if kind == stat.S_IFLNK
                   else text("un fichier spécial", "a special file"))
            status = "not-regular"
        if why is None and info.file_size > MAX_ENTRY_BYTES:
            why, status = text(f"{info.file_size} octets (au plus {MAX_ENTRY_BYTES})",
                               f"{info.file_size} bytes (at most {MAX_ENTRY_BYTES})"), "too-large"
        if why is None and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            r = info.file_size // max(info.compress_size, 1)
            why, status = text(f"compressé {r} pour 1 (une bombe zip ?)",
                               f"compressed {r} to 1 (a zip bomb?)"), "rejected"
        if why is None and total + info.file_size > MAX_TOTAL_BYTES:
            why, status = text(f"l'archive contient plus de {MAX_TOTAL_BYTES} octets",
                               f"the archive holds more than {MAX_TOTAL_BYTES} bytes"), "too-large"
        if why is not None:
            out.append(Entry(name, None, status, why, when))
            continue
        try:
            with z.open(info) as f:
                raw = f.read(MAX_ENTRY_BYTES + 1)
        except (zipfile.BadZipFile, RuntimeError, NotImplementedError, OSError, EOFError) as exc:
            out.append(Entry(name, None, "rejected", text(f"entrée illisible ({exc})", f"unreadable entry ({exc})"), when))
            continue
        if len(raw) > MAX_ENTRY_BYTES:
            out.append(Entry(name, None, "too-large", text("plus grande que ne le dit son en-tête",
                                                           "larger than its header says"), when))
            continue
        total += len(raw)
        out.append(Entry(name, raw, "ok", "", when))
    return out


def is_zip(data: bytes) -> bool:
    return data[:4] in (b"PK\x03\x04", b"PK\x05\x06")

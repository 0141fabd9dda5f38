"""The course secret: the seed every variant and hidden case comes from, and the key that signs
grading records, kept in a file of its own beside course.yml and never published.

``.course-secret`` (YAML, mode 0600, listed in the course folder's .gitignore)::

    seed: 8127364519283746
    record_key: 3f5c...   # 64 hex digits

Whoever reads the seed can compute every answer (``course generate --student ...``), and whoever
holds the record key can forge a graded record; so neither lives in course.yml, which a course
shares with its teaching assistants or publishes. A course.yml may still give a ``seed`` (the
bundled sample course does, so that its demo is reproducible): then that seed is used, and
``course validate`` warns that it is public. The record key always comes from the secret file.

The secret file is created by ``course init`` or by the first command that needs it. When the
seed comes from it, course.yml records the secret's fingerprint (``secret_id``, a hash that
reveals nothing), so that a lost secret file is an error that says what it protected, never a
silent new seed that would give every student other variants than the ones handed out.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

import yaml

from course.base.errors import CourseError
from course.base.i18n import Text, text

SECRET_NAME = ".course-secret"
#: the notes of this process (a secret created, a title's fallback language), each in both
#: languages, for the command line to print once at the end in the command's language
NOTICES: list[Text] = []
HEADER = ("# The secret of this course: the seed of every variant and the key that signs grading\n"
          "# records. Keep it (a backup beside your course repository) and never publish it.\n")


@dataclass(frozen=True)
class CourseSecret:
    """``seed``: non-negative integer; ``record_key``: 32 random bytes."""

    seed: int
    record_key: bytes

    @property
    def fingerprint(self) -> str:
        """A short hash of the secret that reveals nothing of it (course.yml's ``secret_id``)."""
        return hashlib.sha256(b"course-secret-id:" + self.record_key + str(self.seed).encode()).hexdigest()[:16]


def secret_path(course_root: Path) -> Path:
    return Path(course_root) / SECRET_NAME


def read_secret(path: Path) -> CourseSecret:
    """The secret in ``path``; a clear error for a malformed file."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise CourseError(text(f"impossible de lire le secret du cours ({type(exc).__name__})", f"cannot read the course secret ({type(exc).__name__})"), path=str(path)) from None
    seed = data.get("seed") if isinstance(data, dict) else None
    key = data.get("record_key") if isinstance(data, dict) else None
    if type(seed) is not int or seed < 0:
        raise CourseError(text("seed : attendu un entier positif ou nul", "seed: expected a non-negative integer"), path=str(path))
    try:
        raw = bytes.fromhex(key) if isinstance(key, str) else b""
    except ValueError:
        raw = b""
    if len(raw) < 16:
        raise CourseError(text("record_key : attendu au moins 32 chiffres hexadécimaux", "record_key: expected at least 32 hex digits"), path=str(path))
    return CourseSecret(seed, raw)


def create_secret(path: Path) -> CourseSecret:
    """A new random secret written to ``path`` (mode 0600, never over an existing file), and the
    file's name added to the folder's .gitignore."""
    secret = CourseSecret(secrets.randbits(62), secrets.token_bytes(32))
    text = HEADER + f"seed: {secret.seed}\nrecord_key: {secret.record_key.hex()}\n"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return read_secret(path)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    ignore = path.parent / ".gitignore"
    lines = ignore.read_text(encoding="utf-8").splitlines() if ignore.exists() else []
    if SECRET_NAME not in lines and f"/{SECRET_NAME}" not in lines:
        with open(ignore, "a", encoding="utf-8") as f:
            f.write(("" if not lines or ignore.read_text(encoding="utf-8").endswith("\n") else "\n")
                    + f"{SECRET_NAME}\n")
    return secret


def lost_secret_message(path: Path, secret_id: str) -> Text:
    return text(
        f"le secret du cours est manquant (course.yml indique secret_id : {secret_id}) : il "
        "contient la graine d'où sont tirées les variantes de chaque élève et la clé qui signe "
        f"les enregistrements de correction. Restaurez {path.name} depuis votre sauvegarde ; un "
        "nouveau secret donnerait à chaque élève d'autres variantes que celles distribuées "
        "(pour repartir à zéro volontairement, supprimez la ligne secret_id de course.yml)",
        f"the course secret is missing (course.yml says secret_id: {secret_id}): it holds the "
        "seed every student's variants were drawn from and the key that signs grading "
        f"records. Restore {path.name} from your backup; a new secret would give every "
        "student other variants than the ones handed out (to start afresh on purpose, "
        "delete the secret_id line of course.yml)")

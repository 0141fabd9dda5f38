"""course.yml and exercises/: the course description, validated with explicit errors.

Schema (every key is checked; unknown keys are errors)::

    title: TITLE                   # the course title
    language: fr | en              # default fr; the language of every user-facing text
    seed: int >= 0                 # optional, PUBLIC: the course seed is normally in the course
                                   # secret (.course-secret, see course.planning.secret)
    secret_id: str                 # written by the toolkit: the secret's fingerprint
    roster: path                   # CSV with an ``id`` column (relative to course.yml)
    exercises: path                # folder of exercise definitions (default: exercises)
    assignments:                   # homework notebooks (``course build``)
      ID: {title: TITLE, questions: [ITEM, ...]}
    exams:                         # exam sheets (``course exam``)
      ID: {title: TITLE, date: str?, duration: str?, questions: [ITEM, ...]}

    TITLE: str                     # in the course language
         | {fr: str, en: str}      # per language (one may be missing: the other is used,
                                   # with a note)

    ITEM: {exercise: EXERCISE_ID, points: number}   # a generated (computed) question
        | {coding: CODING_ID, points: number}       # a coding question (notebooks only)

An exercise file in ``exercises/`` (YAML) holds a list of definitions::

    - id: conv-sizes              # referred to by course.yml
      family: conv-output         # a generator family id (``course families``)
      params: {h: {min: 5, max: 32}, padding: [valid, same]}   # optional constraints
      title: {fr: ..., en: ...}   # optional

Errors raise :class:`CourseConfigError` naming the file, the key path and the problem.
"""

from __future__ import annotations

import csv
import os
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from course.base.errors import CourseError, line_of
from course.base.i18n import LANGS, Text, text
from course.generator.catalogue import Catalogue, catalogue

from .secret import (
    NOTICES,
    SECRET_NAME,
    CourseSecret,
    create_secret,
    lost_secret_message,
    read_secret,
    secret_path,
)

ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


class CourseConfigError(CourseError):
    """A malformed course.yml, exercise file or roster (names the file and key path)."""


def invalid(fr: str, en: str) -> ValueError:
    """A validator's error in both languages: pydantic wants a ``ValueError`` and keeps it in
    its error's ``ctx``, where :func:`_raise_validation` finds the French."""
    exc = ValueError(en)
    exc.texts = text(fr, en)  # type: ignore[attr-defined]
    return exc


def _title(v: Any) -> Any:
    """A title: one string (in the course language), or ``{fr: ..., en: ...}`` (one language
    at least; each text non-empty)."""
    if isinstance(v, str):
        if not v.strip():
            raise invalid("le titre est vide", "the title is empty")
        return v
    if isinstance(v, dict):
        if not v:
            raise invalid("donnez le titre en fr et/ou en en ({fr: ..., en: ...})", "give the title in fr and/or en ({fr: ..., en: ...})")
        for k, text in v.items():
            if k not in LANGS:
                raise invalid(f"langue {k!r} inconnue dans le titre (fr, en)", f"unknown language {k!r} in the title (fr, en)")
            if not isinstance(text, str) or not text.strip():
                raise invalid(f"le titre {k} doit être une chaîne non vide", f"the {k} title must be a non-empty string")
        return {k: v[k] for k in LANGS if k in v}
    raise invalid("attendu une chaîne ou {fr: ..., en: ...}", "expected a string or {fr: ..., en: ...}")


#: a title of course.yml (the course's, an assignment's, an exam's): a string in the course
#: language, or a text per language
Title = Annotated[str | dict[str, str], BeforeValidator(_title)]
#: the fallbacks already noted in this process (each is said once)
_FALLBACKS: set[tuple[str, str]] = set()
LANGUAGE_NAMES = {"fr": {"fr": "français", "en": "French"}, "en": {"fr": "anglais", "en": "English"}}


def title_in(title: str | dict[str, str], lang: str, course_lang: str, where: str) -> str:
    """``title`` in ``lang``. A string is in the course language; a title missing in ``lang``
    falls back to the other language, and a note says so once per process (``where``: the key
    path in course.yml, ``exams.intra.title``), printed by the command line at the end."""
    if isinstance(title, str):
        if lang == course_lang:
            return title
        shown, given = title, course_lang
    elif title.get(lang):
        return title[lang]
    else:
        given = next(k for k in LANGS if title.get(k))
        shown = title[given]
    if (where, lang) not in _FALLBACKS:
        _FALLBACKS.add((where, lang))
        key = where.rsplit('.', 1)[-1]
        NOTICES.append(text(
            f"course.yml {where} : pas de titre en {LANGUAGE_NAMES[lang]['fr']} ; les documents "
            f"en {lang} prennent le titre en {LANGUAGE_NAMES[given]['fr']}, {shown!r} (écrivez "
            f"{key}: {{fr: ..., en: ...}})",
            f"course.yml {where}: no {LANGUAGE_NAMES[lang]['en']} title; the {lang} "
            f"documents use the {LANGUAGE_NAMES[given]['en']} one, {shown!r} (give "
            f"{key}: {{fr: ..., en: ...}})"))
    return shown


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Item(_Strict):
    """One question of an assignment or exam."""

    exercise: str | None = None
    coding: str | None = None
    points: float = Field(gt=0)

    @model_validator(mode="after")
    def _one_kind(self) -> Item:
        if (self.exercise is None) == (self.coding is None):
            raise invalid("donnez exactement un de 'exercise' ou 'coding'", "give exactly one of 'exercise' or 'coding'")
        return self


class LatePolicy(_Strict):
    """``per_day`` percent of the points off per started day late; zero after ``max_days``."""

    per_day: float = Field(ge=0, le=100)
    max_days: int = Field(ge=0)


class ExtraDays(_Strict):
    """An extension of ``days`` days past the due date."""

    days: float = Field(gt=0)


def _aware(v: Any, what: str = "") -> datetime:
    """An aware datetime from YAML (a datetime, or an ISO 8601 string); ``what`` prefixes the
    error (which extension)."""
    head, head_fr = (f"{what}: ", f"{what} : ") if what else ("", "")
    if isinstance(v, str):
        try:
            v = datetime.fromisoformat(v)
        except ValueError:
            raise invalid(f"{head_fr}pas une date et heure ISO 8601 ({v!r})", f"{head}not an ISO 8601 date and time ({v!r})") from None
    if isinstance(v, date) and not isinstance(v, datetime):
        raise invalid(f"{head_fr}donnez une heure et un fuseau horaire, p. ex. {v.isoformat()}T23:59:00-04:00", f"{head}give a time and a time zone, e.g. {v.isoformat()}T23:59:00-04:00")
    if not isinstance(v, datetime):
        raise invalid(f"{head_fr}attendu une date et heure ISO 8601", f"{head}expected an ISO 8601 date and time")
    if v.tzinfo is None or v.utcoffset() is None:
        raise invalid(f"{head_fr}donnez un fuseau horaire, p. ex. {v.isoformat()}-04:00 (ou Z pour UTC)", f"{head}give a time zone, e.g. {v.isoformat()}-04:00 (or Z for UTC)")
    return v


class Assignment(_Strict):
    title: Title
    questions: list[Item] = Field(min_length=1)
    #: when it is due (ISO 8601 with a time zone: 2026-10-12T23:59:00-04:00)
    due: datetime | None = None
    #: what late work costs: "none" (nothing), "zero" (everything), or {per_day, max_days}
    late: Literal["none", "zero"] | LatePolicy = "none"
    #: per student: a new due date (with a time zone), or {days: N} past the due date
    extensions: dict[str, datetime | ExtraDays] = Field(default_factory=dict)

    @field_validator("due", mode="before")
    @classmethod
    def _due(cls, v: Any) -> Any:
        return None if v is None else _aware(v)

    @field_validator("extensions", mode="before")
    @classmethod
    def _extensions(cls, v: Any) -> Any:
        if not isinstance(v, dict):
            return v
        return {k: (x if isinstance(x, dict) else _aware(x, f"extension of {k}")) for k, x in v.items()}

    @model_validator(mode="after")
    def _needs_due(self) -> Assignment:
        if self.due is None and (self.late != "none" or self.extensions):
            raise invalid("une politique de retard ou des prolongations demandent une date limite (due: ...)", "a late policy or extensions need a due date (due: ...)")
        return self


class Exam(_Strict):
    title: Title
    date: str | None = None
    duration: str | None = None
    questions: list[Item] = Field(min_length=1)


class ExerciseDef(_Strict):
    """An exercise: a family with optional parameter constraints."""

    id: str
    family: str
    params: dict[str, Any] = Field(default_factory=dict)
    title: dict[Literal["fr", "en"], str] | None = None

    @field_validator("id")
    @classmethod
    def _id(cls, v: str) -> str:
        if not ID_RE.match(v):
            raise invalid(f"identifiant {v!r} invalide (lettres, chiffres, '-', '_', '.')", f"invalid id {v!r} (letters, digits, '-', '_', '.')")
        return v


class Grading(_Strict):
    """How ``course grade`` runs student code: ``python``, the interpreter of the students'
    environment (a path, relative to the course folder: ``.venv-student/bin/python``, built
    from requirements-student.txt); None: the grader's own interpreter and packages."""

    python: str | None = None


class CourseFile(_Strict):
    title: Title
    language: Literal["fr", "en"] = "fr"
    #: public seed (the sample course's, for a reproducible demo); a real course keeps it in
    #: the course secret (.course-secret), never here
    seed: int | None = Field(default=None, ge=0)
    #: the fingerprint of the course secret the seed comes from (written when it is created)
    secret_id: str | None = None
    roster: str
    exercises: str = "exercises"
    #: the course's own families and coding questions (see course.generator.catalogue)
    questions: str = "questions"
    assignments: dict[str, Assignment] = Field(default_factory=dict)
    exams: dict[str, Exam] = Field(default_factory=dict)
    grading: Grading = Field(default_factory=Grading)


class Course:
    """A loaded, validated course: the file's data plus the exercises and the roster."""

    def __init__(self, path: Path, data: CourseFile, exercises: dict[str, ExerciseDef],
                 roster: list[str]):
        self.path = path
        self.root = path.parent
        self.data = data
        self.exercises = exercises
        self.roster = roster
        #: where each exercise is defined (``file: [index]``), for error messages
        self.places: dict[str, str] = {}
        #: what the roster says of each student (name, email, lms_id, login, section, sis_id)
        self.people: dict[str, dict[str, str]] = {}
        self._secret: CourseSecret | None = None

    @property
    def title(self) -> str:
        """The course title in the course language."""
        return self.title_in(self.language)

    def title_in(self, lang: str) -> str:
        """The course title in ``lang`` (:func:`title_in`: a fallback is noted once)."""
        return title_in(self.data.title, lang, self.language, "title")

    def exam_title(self, name: str, lang: str) -> str:
        """Exam ``name``'s title in ``lang``."""
        return title_in(self.data.exams[name].title, lang, self.language, f"exams.{name}.title")

    def assignment_title(self, aid: str, lang: str) -> str:
        """Assignment ``aid``'s title in ``lang``."""
        return title_in(self.data.assignments[aid].title, lang, self.language,
                        f"assignments.{aid}.title")

    @property
    def language(self) -> str:
        return self.data.language

    @property
    def seed(self) -> int:
        """The course seed: course.yml's public ``seed`` when it gives one, else the secret's."""
        return self.data.seed if self.data.seed is not None else self.secret.seed

    @property
    def catalogue(self) -> Catalogue:
        """The families and coding questions this course can ask (built-in + its own)."""
        return catalogue(self.root / self.data.questions)

    @property
    def students_python(self) -> str:
        """The absolute path of ``grading.python`` (relative to the course folder, never
        resolved: a venv's ``bin/python`` is a link whose place selects the venv), "" for the
        grader's own interpreter."""
        p = self.data.grading.python
        if not p:
            return ""
        path = Path(p).expanduser()
        return os.path.abspath(path if path.is_absolute() else self.root / path)

    @property
    def record_key(self) -> bytes:
        """The key that signs grading records (always from the course secret)."""
        return self.secret.record_key

    @property
    def secret(self) -> CourseSecret:
        """The course secret (:mod:`course.planning.secret`), read, or created when the course
        has none yet; an error when course.yml says one existed and it is missing."""
        if self._secret is None:
            path = secret_path(self.root)
            if path.exists():
                secret = read_secret(path)
                if self.data.secret_id and self.data.secret_id != secret.fingerprint \
                        and self.data.seed is None:
                    raise CourseError(text(f"ce n'est pas le secret avec lequel course.yml a été créé (secret_id {self.data.secret_id}, celui du fichier : {secret.fingerprint})", f"this is not the secret course.yml was made with (secret_id "
                                      f"{self.data.secret_id}, the file's is {secret.fingerprint})"),
                                      path=str(path))
            elif self.data.seed is None and self.data.secret_id:
                raise CourseError(lost_secret_message(path, self.data.secret_id), path=str(path))
            else:
                secret = create_secret(path)
                what = (text("la graine du cours et la clé des enregistrements",
                             "the course seed and the record key") if self.data.seed is None
                        else text("la clé qui signe les enregistrements de correction",
                                  "the key that signs grading records"))
                NOTICES.append(text(f"{path} créé ({what['fr']} ; mode 0600, ajouté à .gitignore) : "
                                    "gardez-en une copie, ne le publiez jamais",
                                    f"created {path} ({what['en']}; mode 0600, added to .gitignore): "
                                    "keep a backup, never publish it"))
                if self.data.seed is None:
                    current = self.path.read_text(encoding="utf-8")
                    with open(self.path, "a", encoding="utf-8") as f:
                        f.write(("" if current.endswith("\n") else "\n")
                                + f"secret_id: {secret.fingerprint}   # fingerprint of {SECRET_NAME} "
                                "(reveals nothing; keeps a lost secret from going unnoticed)\n")
            self._secret = secret
        return self._secret

    def warnings(self) -> list[Text]:
        """What ``course validate`` warns about, one line each, in both languages."""
        out = []
        if self.data.seed is not None:
            out.append(text(
                f"{self.path.name} : la graine est dans course.yml : quiconque lit course.yml peut "
                f"calculer toutes les réponses (retirez-la pour la garder dans {SECRET_NAME})",
                f"{self.path.name}: seed is in course.yml: anyone who reads course.yml can "
                f"compute every answer (remove it to keep the seed in {SECRET_NAME})"))
        py = self.students_python
        if py and not (os.path.isfile(py) and os.access(py, os.X_OK)):
            out.append(text(
                f"{self.path.name} : grading.python ({py}) introuvable sur cette machine : "
                "course grade s'y arrêterait (créez l'environnement des élèves à partir de "
                "requirements-student.txt)",
                f"{self.path.name}: grading.python ({py}) is not on this machine: course grade "
                "would stop there (make the students' environment from requirements-student.txt)"))
        return out


def _format_loc(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


#: the names pydantic puts in an error's location for the branches of a union
_UNION_TAGS = ("LatePolicy", "ExtraDays", "datetime", "function-after[_aware(), datetime]")


def _raise_validation(path: Path, exc: ValidationError, prefix: str = "") -> None:
    # the first real problem: an unknown key (a typo, ``point:``) explains the "missing key"
    # pydantic also reports for the same item, so it comes first
    # a wrong branch of a union (``late: {per_day: 120}`` is no "none" literal) comes last
    order = {"extra_forbidden": 0, "missing": 2}

    def rank(e: Any) -> int:
        wrong_branch = e["type"] in ("literal_error", "string_type", "datetime_type") \
            and isinstance(e.get("input"), dict | list)
        return order.get(e["type"], 1) + 3 * wrong_branch

    err = sorted(exc.errors(), key=rank)[0]
    loc = _format_loc(tuple(x for x in err["loc"] if not str(x).startswith(("function-", "literal["))
                            and x not in _UNION_TAGS))
    if prefix:
        loc = prefix + ("" if loc.startswith("[") else ".") + loc if loc != "(top level)" else prefix
    msg = err["msg"].removeprefix("Value error, ")  # pydantic's words: English, unless ours
    msg_fr = getattr(err.get("ctx", {}).get("error"), "texts", {}).get("fr", msg)
    if err["type"] == "extra_forbidden":
        msg, msg_fr = "unknown key", "clé inconnue"
    elif err["type"] == "missing":
        msg, msg_fr = "missing key", "clé manquante"
    k = len(exc.errors()) - 1
    more, more_fr = (f" (and {k} more problem(s))", f" (et {k} autre(s) problème(s))") if k else ("", "")
    loc_fr = loc.replace("(top level)", "(niveau supérieur)")
    raise CourseConfigError(text(f"{loc_fr} : {msg_fr}{more_fr}", f"{loc}: {msg}{more}"),
                            path=path) from None


def _load_yaml(path: Path) -> Any:
    try:
        content = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CourseConfigError(text("fichier introuvable", "file not found"), path=path) from None
    except UnicodeDecodeError:
        raise CourseConfigError(text("pas du texte UTF-8", "not UTF-8 text"), path=path) from None
    try:
        return yaml.safe_load(content)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        where_fr = f"ligne {mark.line + 1}, colonne {mark.column + 1} : " if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)  # PyYAML's words: English
        raise CourseConfigError(text(f"YAML invalide : {where_fr}{problem}",
                                     f"invalid YAML: {where}{problem}"), path=path) from None


#: roster columns the toolkit reads (others are kept out); ``id`` is required
ROSTER_COLUMNS = ("id", "name", "email", "lms_id", "login", "section", "sis_id")


@dataclass
class Roster:
    """The students: their ids in order, and what the roster says of each (``name``,
    ``email``, ``lms_id``: the LMS's user id, ``login``, ``section``, ``sis_id``)."""

    ids: list[str]
    people: dict[str, dict[str, str]] = field(default_factory=dict)
    delimiter: str = ","


def read_roster(path: Path) -> Roster:
    """The roster: a CSV whose first line names the columns, one of them ``id`` (comma,
    semicolon or tab separated, detected). Errors name the file and the line: missing file, bad
    encoding, no ``id`` column, empty roster, duplicated or malformed ids."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise CourseConfigError(text("fichier de la liste de la classe introuvable", "roster file not found"), path=path) from None
    try:
        content = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CourseConfigError(text("la liste de la classe n'est pas du texte UTF-8", "roster is not UTF-8 text"), path=path) from None
    lines = content.splitlines()
    first = next((ln for ln in lines if ln.strip()), "")
    delim = max((",", ";", "\t"), key=first.count) if first else ","
    rows = [(n, r) for n, r in enumerate(csv.reader(lines, delimiter=delim), start=1)
            if r and any(c.strip() for c in r)]
    if not rows:
        raise CourseConfigError(text("la liste de la classe est vide", "the roster is empty"), path=path)
    header = [c.strip().lower() for c in rows[0][1]]
    if "id" not in header:
        raise CourseConfigError(text(f"ligne {rows[0][0]} : pas de colonne 'id' dans l'en-tête (trouvé : {', '.join(header) or 'rien'}) : la première ligne nomme les colonnes, dont id", f"line {rows[0][0]}: no 'id' column in the header (found: "
                                f"{', '.join(header) or 'nothing'}): the first line names the "
                                "columns, one of them id"), path=path)
    cols = {c: header.index(c) for c in ROSTER_COLUMNS if c in header}
    ids: list[str] = []
    people: dict[str, dict[str, str]] = {}
    for lineno, row in rows[1:]:
        cell = [c.strip() for c in row]
        sid = cell[cols["id"]] if len(cell) > cols["id"] else ""
        if not ID_RE.match(sid):
            raise CourseConfigError(text(f"ligne {lineno} : identifiant d'élève {sid!r} invalide (lettres, chiffres, '-', '_', '.')", f"line {lineno}: invalid student id {sid!r} "
                                    "(letters, digits, '-', '_', '.')"), path=path)
        if sid in people:
            raise CourseConfigError(text(f"ligne {lineno} : identifiant d'élève {sid!r} en double", f"line {lineno}: duplicated student id {sid!r}"), path=path)
        ids.append(sid)
        people[sid] = {c: cell[i] for c, i in cols.items() if c != "id" and i < len(cell) and cell[i]}
    if not ids:
        raise CourseConfigError(text("la liste de la classe est vide (un en-tête et aucun élève)", "the roster is empty (a header and no student)"), path=path)
    return Roster(ids, people, delim)


def load_roster(path: Path) -> list[str]:
    """The student ids of the roster at ``path`` (:func:`read_roster`)."""
    return read_roster(path).ids


def normal_name(text: str) -> str:
    """A person's name compared across systems: accents, case, spaces and punctuation dropped
    ("Élodie  D'Arcy" and "elodie darcy" match)."""
    t = unicodedata.normalize("NFKD", text)
    return "".join(c for c in t if c.isalnum()).casefold()


def load_exercises(folder: Path, where: dict[str, str] | None = None) -> dict[str, ExerciseDef]:
    """Every exercise definition in ``folder/*.yml`` (ids unique across files); ``where``, when
    given, receives each exercise's place (``file [index]``) for error messages."""
    if not folder.is_dir():
        raise CourseConfigError(text("dossier des exercices introuvable", "exercises folder not found"), path=folder)
    out: dict[str, ExerciseDef] = {}
    for f in sorted(folder.glob("*.y*ml")):
        data = _load_yaml(f)
        if not isinstance(data, list):
            raise CourseConfigError(text("(niveau supérieur) : attendu une liste de définitions d'exercices", "(top level): expected a list of exercise definitions"), path=f)
        for i, item in enumerate(data):
            try:
                ex = ExerciseDef.model_validate(item)
            except ValidationError as exc:
                _raise_validation(f, exc, prefix=f"[{i}]")
            if ex.id in out:
                raise CourseConfigError(text(f"[{i}].id : l'exercice {ex.id!r} est défini deux fois", f"[{i}].id: exercise {ex.id!r} is defined twice"), path=f)
            out[ex.id] = ex
            if where is not None:
                where[ex.id] = f"{f}: [{i}]"
    return out


def load_course(path: str | Path = "course.yml", *, check_families: bool = True) -> Course:
    """Load and validate course.yml, its exercises and its roster.

    With ``check_families``, every exercise's family and parameter constraints are checked
    against the generator registry (unknown family, unknown parameter).
    """
    path = Path(path)
    data = _load_yaml(path)
    if not isinstance(data, dict):
        raise CourseConfigError(text("(niveau supérieur) : attendu un dictionnaire de clés (title, seed, ...)", "(top level): expected a mapping of keys (title, seed, ...)"), path=path)
    try:
        cf = CourseFile.model_validate(data)
    except ValidationError as exc:
        _raise_validation(path, exc)
    root = path.parent
    places: dict[str, str] = {}
    exercises = load_exercises(root / cf.exercises, places)
    roster = read_roster(root / cf.roster)
    for kind, groups in (("assignments", cf.assignments), ("exams", cf.exams)):
        for gid, group in groups.items():
            if not ID_RE.match(gid):
                raise CourseConfigError(text(f"{kind}.{gid} : identifiant invalide", f"{kind}.{gid}: invalid id"), path=path)
            for i, item in enumerate(group.questions):
                if item.exercise is not None and item.exercise not in exercises:
                    raise CourseConfigError(
                        text(f"{kind}.{gid}.questions[{i}].exercise : exercice {item.exercise!r} inconnu (non défini dans {cf.exercises}/)", f"{kind}.{gid}.questions[{i}].exercise: unknown exercise {item.exercise!r} "
                        f"(not defined in {cf.exercises}/)"), path=path)
                if item.coding is not None and kind == "exams":
                    raise CourseConfigError(
                        text(f"{kind}.{gid}.questions[{i}].coding : les questions de code vont dans les devoirs", f"{kind}.{gid}.questions[{i}].coding: coding questions belong to assignments"),
                        path=path)
    for aid, a in cf.assignments.items():
        for sid in a.extensions:
            if sid not in roster.people:
                raise CourseConfigError(text(f"assignments.{aid}.extensions.{sid} : pas sur la liste de la classe", f"assignments.{aid}.extensions.{sid}: not on the roster"),
                                        path=path)
    course = Course(path, cf, exercises, roster.ids)
    course.people = roster.people
    course.places = places
    if check_families:
        from course.generator.base import Constraints

        cat = course.catalogue  # imports the course's own questions (one-line errors)
        for ex in exercises.values():
            if ex.family not in cat.families:
                raise CourseConfigError(text(f"{places[ex.id]}.family : famille {ex.family!r} inconnue (voir `course families`)", f"{places[ex.id]}.family: unknown family {ex.family!r} "
                                        "(see `course families`)"))
            try:
                Constraints(ex.family, cat.families[ex.family].params, ex.params)
            except CourseError as exc:
                raise CourseConfigError(text(f"{places[ex.id]}.params : {line_of(exc, 'fr')}", f"{places[ex.id]}.params: {exc}")) from None
    return course

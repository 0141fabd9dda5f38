"""The two languages of the toolkit and the short user-facing texts shared by every layer.

Every text a student or an instructor reads exists in French and English; the course language
comes from course.yml (``language:``). A :data:`Text` is ``{"fr": ..., "en": ...}``.
"""

from __future__ import annotations

LANGS = ("fr", "en")
Text = dict[str, str]


def text(fr: str, en: str) -> Text:
    """A text in both languages."""
    return {"fr": fr, "en": en}


def pick(t: Text | str, lang: str) -> str:
    """``t`` in ``lang``; a plain string is the same in both; a text given in one language
    only falls back to it."""
    if isinstance(t, str):
        return t
    return t.get(lang) or next((v for v in t.values() if v), "")


def colon(lang: str) -> str:
    """The colon as each language writes it after a label (French: a space before it)."""
    return " :" if lang == "fr" else ":"

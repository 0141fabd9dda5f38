"""The named mistakes of the Conv2D question, each written into ``solution.py`` as a student
writes it (see :class:`~course.generator.coding.question.Mistake`)."""

from __future__ import annotations

from pathlib import Path

from course.base.i18n import text as t
from course.generator.coding.question import solution_mistake

HERE = Path(__file__).parent

MISTAKES = (
    solution_mistake(HERE, "conv-no-bias", t(
        "le biais manque : chaque filtre f ajoute b_f à toutes les positions de sa carte.",
        "the bias is missing: each filter f adds b_f at every position of its map."),
        ("axes=([1, 2, 3], [1, 2, 3])) + b", "axes=([1, 2, 3], [1, 2, 3]))")),
    solution_mistake(HERE, "conv-no-padding", t(
        "le remplissage (padding) n'est pas appliqué : entourez d'abord l'entrée de `padding` "
        "zéros de chaque côté ; la sortie a la taille (H + 2p - k) // s + 1.",
        "the padding is not applied: first surround the input with `padding` zeros on each "
        "side; the output has the size (H + 2p - k) // s + 1."),
        ("xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))", "xp = x"),
        ("ho = (h + 2 * padding - kh)", "ho = (h - kh)"),
        ("wo = (wd + 2 * padding - kw)", "wo = (wd - kw)")),
    solution_mistake(HERE, "conv-flipped-kernel", t(
        "vous avez retourné le filtre (convolution au sens mathématique) : une couche Conv2D "
        "fait glisser le filtre tel quel (corrélation croisée).",
        "you flipped the filter (mathematical convolution): a Conv2D layer slides the filter "
        "as it is (cross-correlation)."),
        ("np.tensordot(win, w, ", "np.tensordot(win, w[:, :, ::-1, ::-1], ")),
    solution_mistake(HERE, "conv-stride-ignored", t(
        "le pas (stride) est ignoré : le filtre se déplace de `stride` pixels à chaque pas, et "
        "la sortie a la taille (H + 2p - k) // s + 1.",
        "the stride is ignored: the filter moves by `stride` pixels at each step, and the "
        "output has the size (H + 2p - k) // s + 1."),
        ("ho = (h + 2 * padding - kh) // stride + 1", "ho = h + 2 * padding - kh + 1"),
        ("wo = (wd + 2 * padding - kw) // stride + 1", "wo = wd + 2 * padding - kw + 1"),
        ("i * stride:i * stride + kh, j * stride:j * stride + kw", "i:i + kh, j:j + kw")),
)

"""`course examples`: the seeds' worked examples, printed by the CLI, with their key numbers."""

from __future__ import annotations

import re

import pytest

from course.cli.main import main
from course.cli.worked_examples import worked_examples


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    rc = main(args)
    out = capsys.readouterr()
    return rc, out.out, out.err


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_examples_command_prints_the_seed_numbers(lang: str, capsys) -> None:
    rc, out, _ = _run(["examples", "--lang", lang], capsys)
    assert rc == 0
    flat = re.sub(r"\s+", " ", out)
    assert "total = 13" in flat and "total = 167" in flat  # 001
    assert "0.7054" in flat and "0.2595" in flat and "0.0351" in flat  # 001 softmax (5, 4, 2)
    assert re.search(r"configurations = 60\b", flat)  # 001 grid
    assert re.search(r"│ 9 +│ 3 +│ 1 +│ 1 +│ 0 +│ 0 +│ 0 +│ 0 +│ 0 +│ 1 +│", out)  # 003 row 9: f(0) = 1
    assert "w34" in flat and "psi1" in flat and "0.0813481" in flat  # 003 backprop, eta = 1
    assert "[[4, 3, 4], [2, 4, 3], [2, 3, 4]]" in flat  # 003 5x5 convolution
    assert "-25" in flat and "[308, -498, 164]" in flat  # 003 volume convolution
    assert "3x3" in flat and "6@28x28" in flat and "16@5x5" in flat  # 003 stride 2, 002 LeNet-5
    assert ("Données" if lang == "fr" else "Inputs") in out


def test_examples_default_language_is_french(capsys) -> None:
    rc, out, _ = _run(["examples"], capsys)
    assert rc == 0 and "Nombre de paramètres" in out


def test_examples_bad_language(capsys) -> None:
    rc, _, err = _run(["examples", "--lang", "de"], capsys)
    assert rc == 2 and "--lang" in err


def test_worked_examples_structure() -> None:
    fr, en = worked_examples("fr"), worked_examples("en")
    assert [e["id"] for e in fr] == [e["id"] for e in en]
    assert len({e["id"] for e in fr}) == len(fr) >= 11
    for e in fr + en:
        assert set(e) == {"id", "source", "title", "inputs", "result", "explanation"}
        assert e["source"] in {"001", "002", "003", "004"} and e["explanation"]
    assert fr[0]["title"] != en[0]["title"]

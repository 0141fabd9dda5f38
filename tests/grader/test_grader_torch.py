"""SLOW (PyTorch in the sandbox): hw3 and hw4 of the sample course, built by the real builder
and graded end to end in the ``--torch`` sandbox, for ONE student (torch import and training
are slow on 2 shared cores: 12 s of CPU, 40 s of wall clock on a loaded machine).

hw3: the solutions notebook gets full marks, the handed-out stub zero, a notebook whose CNN
is right but never trained (and whose answer cell loads the data file handed out with the
notebook, so it must be in the sandbox's working folder) gets the architecture and forward
points only, and one whose CNN flattens channels last has that mistake named. hw4: the solutions notebook gets full marks (LSTM training within its time limit).
"""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

import nbformat
import pytest
import torch

from course.documents.notebooks import build_notebook
from course.generator.coding.registry import get_coding
from course.generator.coding.torch_models import TRAIN_TIME_S
from course.grader.limits import Limits
from course.grader.run import grade_folder
from course.planning.config import load_course
from course.planning.layout import data_filename

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow

UNTRAINED = '''

_data = np.load("{data}")  # handed out next to the notebook
assert _data["X_train"].shape == (400, 1, 8, 8)


def train_cnn(model, X, y, epochs=5, lr=0.01, batch_size=32):
    """Forgets to train."""
    return model
'''


def _answer_id(nb, ref: str) -> str:
    q = next(q for q in nb.metadata["course"]["questions"] if q["ref"] == ref)
    return f"{q['id']}-answer"


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    course = load_course(REPO / "course.yml")
    for a in ("hw3", "hw4"):
        if a not in course.data.assignments:
            pytest.fail(f"course.yml has no {a}")
    sol, stub, wrong, mistaken = course.roster[:4]  # one notebook each (one student per kind)
    tmp = tmp_path_factory.mktemp("torch")
    sub = tmp / "hw3" / "submissions"
    sub.mkdir(parents=True)
    nbformat.write(build_notebook(course, "hw3", sol, solutions=True), str(sub / f"hw3-{sol}.ipynb"))
    nbformat.write(build_notebook(course, "hw3", stub), str(sub / f"hw3-{stub}.ipynb"))
    nb = build_notebook(course, "hw3", wrong, solutions=True)
    cell = next(c for c in nb.cells if c.id == _answer_id(nb, "torch-cnn"))
    cell.source = get_coding("torch-cnn").solution + UNTRAINED.format(data=data_filename("hw3", "torch-cnn"))
    nbformat.write(nb, str(sub / f"hw3-{wrong}.ipynb"))
    nb = build_notebook(course, "hw3", mistaken, solutions=True)  # flattened channels last
    cell = next(c for c in nb.cells if c.id == _answer_id(nb, "torch-cnn"))
    cell.source = (_flatten_mistake().student_source(get_coding("torch-cnn").solution)
                   + UNTRAINED.format(data=data_filename("hw3", "torch-cnn")))
    nbformat.write(nb, str(sub / f"hw3-{mistaken}.ipynb"))
    d4 = tmp / "hw4" / "submissions"
    d4.mkdir(parents=True)
    nbformat.write(build_notebook(course, "hw4", sol, solutions=True), str(d4 / f"hw4-{sol}.ipynb"))
    for a in ("hw3", "hw4"):  # handed in on time
        due = course.data.assignments[a].due
        if due is not None:
            for p in (tmp / a / "submissions").iterdir():
                os.utime(p, (due.timestamp() - 3600, due.timestamp() - 3600))
    out = {}
    for a in ("hw3", "hw4"):
        grade_folder(tmp / a, course_path=REPO / "course.yml", jobs=2, limits=Limits(timeout_s=20.0))
        rows = {r["student"]: r for r in csv.DictReader(open(tmp / a / "grades.csv"))
                if r["status"] != "missing"}
        for sid, row in rows.items():
            rec = json.loads((tmp / a / ".grader" / f"{a}-{sid}.json").read_text())
            kind = {sol: "", stub: "-stub", wrong: "-wrong", mistaken: "-mistake"}[sid]
            out[a + kind] = (row, rec)
    return out


def _flatten_mistake():
    return next(m for m in get_coding("torch-cnn").mistakes if m.key == "cnn-flatten-channels-last")


def _max(rec) -> float:
    return sum(q["max_points"] for q in rec["questions"])


def _q(rec, title: str):
    return next(q for q in rec["questions"] if q["title"]["en"] == title)


def test_solutions_get_full_marks(graded):
    for name in ("hw3", "hw4"):
        row, rec = graded[name]
        assert row["status"] == "graded", rec.get("detail")
        bad = [(q["id"], it["name"], it["why"]) for q in rec["questions"] for it in q["items"] if not it["ok"]]
        assert bad == [] and float(row["total"]) == _max(rec)
        training = [it for q in rec["questions"] for it in q["items"] if it["name"] == "training"]
        assert len(training) == 1 and training[0]["seconds"] < TRAIN_TIME_S


def test_stub_gets_zero(graded):
    row, rec = graded["hw3-stub"]
    assert row["status"] == "graded" and float(row["total"]) == 0.0
    cnn = _q(rec, get_coding("torch-cnn").title["en"])
    assert all("NotImplementedError" in it["why"]["en"] for it in cnn["items"])


def test_untrained_model_gets_architecture_and_forward_only(graded):
    row, rec = graded["hw3-wrong"]
    cnn = _q(rec, get_coding("torch-cnn").title["en"])
    ok = {it["name"]: it["ok"] for it in cnn["items"]}
    assert ok == {"architecture": True, "forward": True, "forward-one": True, "training": False}
    assert cnn["points"] == pytest.approx(cnn["max_points"] * 3.5 / 6.0)
    assert float(row["total"]) == pytest.approx(_max(rec) - cnn["max_points"] * 2.5 / 6.0)
    assert rec["cells"][f"{cnn['id']}-answer"]["ok"]  # the data file was in the working folder


def test_a_named_mistake_in_the_model_is_recognised_in_the_sandbox(graded):
    """A CNN flattened channels last (Keras's order) has the right parameter count and wrong
    logits: both forward cases name the mistake, by the NumPy twin of the trusted side."""
    row, rec = graded["hw3-mistake"]
    cnn = _q(rec, get_coding("torch-cnn").title["en"])
    items = {it["name"]: it for it in cnn["items"]}
    assert items["architecture"]["ok"] and not items["training"]["ok"]
    m = _flatten_mistake()
    for name in ("forward", "forward-one"):
        assert not items[name]["ok"] and items[name]["misconception"] == m.key
        assert items[name]["why"] == m.explanation
    assert items["training"]["misconception"] is None


DATALOADER = """
import torch
from torch.utils.data import DataLoader, TensorDataset
torch.set_num_threads(2)
ds = TensorDataset(torch.arange(64.0).reshape(32, 2), torch.arange(32))
seen = sorted(int(i) for _, y in DataLoader(ds, batch_size=4, num_workers=2) for i in y)
prod = float((torch.ones(128, 128) @ torch.ones(128, 128)).sum())
"""


def test_dataloader_workers_and_threads_work_in_the_sandbox():
    """Worker processes (fork), intra-op threads: the seccomp filter (clone3 -> ENOSYS, clone
    without CLONE_NEWUSER allowed) and the cgroup (pids, memory) let honest PyTorch code run."""
    from course.grader.slot import Slot

    with Slot(0, Limits(timeout_s=60.0, memory_mb=2048), torch=True) as slot, slot.session() as s:
        r = s.request({"op": "exec", "source": DATALOADER})
        assert r["ok"], r
        assert s.request({"op": "get", "name": "seen"})["value"] == list(range(32))
        assert s.request({"op": "get", "name": "prod"})["value"] == 128.0 ** 3


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA GPU")
def test_cuda_is_visible_in_the_sandbox():
    from course.grader.protections import protections
    from course.grader.slot import Slot

    assert protections().cuda
    with Slot(0, Limits(timeout_s=60.0, memory_mb=4096), torch=True) as slot, slot.session() as s:
        r = s.request({"op": "exec", "source": "import torch\nn = torch.cuda.device_count()\n"
                                                "x = (torch.ones(4, device='cuda') * 2).sum().item()"})
        assert r["ok"], r
        assert s.request({"op": "get", "name": "n"})["value"] == 1
        assert s.request({"op": "get", "name": "x"})["value"] == 8.0

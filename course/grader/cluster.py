"""``course grade PATH --cluster ADDRESS``: a batch's jobs on a Dask cluster (``distributed``).

Imported only with ``--cluster`` (the ``cluster`` extra); nothing else of the grader changes:
:func:`course.grader.run.grade_folder` plans, resumes and writes every output as with the local
pool, and :class:`ClusterExecutor` is one more :class:`~course.grader.batch.Executor`. How the
work travels (docs/cluster.md):

* **The sandbox first.** A worker plugin (:class:`SandboxPlugin`), registered on every worker
  of the cluster (and by Dask on every worker that joins later), claims the worker's sandbox
  slot (a slot number, the uid and its lock) and starts its zygote before the worker has been
  sent any course data (:func:`course.grader.batch.start_slot`, as the local pool's
  initializer). A worker whose sandbox started announces the Dask resource
  :data:`SANDBOX` ``= 1``; every job asks for it: a worker without a sandbox is sent no job and
  no course data, and each worker grades one notebook at a time whatever its thread count.
* **The course once per worker.** The course (:class:`CourseBundle`: course.yml, its
  exercises, its own questions folder, the roster and the course secret, zipped) is the result
  of one task that every job depends on: a worker fetches it once, with its first job, and
  unpacks it into its own local directory; no shared file system is assumed. The secret goes
  to the scheduler (which holds the task) and to sandboxed workers only, never into a sandbox.
* **Records come back.** A job carries the notebook's bytes and SHA-256, owner and limits
  (:class:`~course.grader.batch.GradingJob`); the worker grades it with
  :func:`~course.grader.batch.grade_record` and returns the signed record; this client checks
  its signature and what it is about, writes it atomically at ``job.record`` and yields it. A
  worker never writes into the course folder.
* **Faults.** A worker lost mid-batch: Dask runs its jobs again elsewhere; each job's start is
  an event, so the report names the jobs that ran more than once; a job's result is taken once.
  A worker whose sandbox cannot start, or dies and cannot restart, withdraws its resource and
  its jobs go to the others (the report says so). The scheduler unreachable: one line; lost
  mid-batch: what was written stays and the next run resumes.
* ``--gpu``: the jobs of an assignment with a PyTorch question also ask for the resource
  ``GPU=1`` (workers started with ``dask worker ... --resources GPU=1``).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import logging
import os
import re
import shutil
import socket
import tempfile
import threading
import time
import uuid
import warnings
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from course.base.errors import CourseError, UsageError
from course.base.i18n import Text, text

from . import batch
from .batch import GradingJob, about, record_is_authentic, write_record
from .limits import Limits
from .protections import Protections, protections
from .records import RECORD_VERSION, Record

#: the Dask resource of a worker whose sandbox started (one job at a time per worker)
SANDBOX = "course-sandbox"
#: the resource a job of a PyTorch assignment asks for with ``--gpu``
GPU = "GPU"
PLUGIN = "course-grader-sandbox"
#: where workers announce their sandbox (started, failed, stopped): one event each time
WORKERS_TOPIC = "course-grader-workers"
#: a job whose worker had no sandbox is sent elsewhere at most this many times
MAX_BOUNCES = 3
#: seconds without progress after which jobs that no worker holds are submitted again (all the
#: sandboxed workers were lost, and the ones that joined since cannot take Dask's stuck tasks)
STUCK_S = 10.0
#: seconds with no sandboxed worker in the cluster before the batch stops (the records written
#: so far are kept; the next run resumes)
NO_WORKER_S = 120.0
HINT_EXTRA = "pip install -e '.[cluster]' (the cluster extra: Dask's distributed)"
_LOCAL = re.compile(r"local:(\d+)")
_REMOTE = re.compile(r"(tcp|tls|ucx|ws|wss)://\S+")


def parse_address(address: str) -> tuple[str, int]:
    """``("local", N)`` for ``local:N``, ``(address, 0)`` for a scheduler's address."""
    m = _LOCAL.fullmatch(address.strip())
    if m:
        n = int(m.group(1))
        if n < 1:
            raise UsageError(text(f"--cluster {address} : local:N demande au moins 1 worker", f"--cluster {address}: local:N needs at least 1 worker"))
        return "local", n
    if _REMOTE.fullmatch(address.strip()):
        return address.strip(), 0
    raise UsageError(text(f"--cluster : attendu tcp://HÔTE:PORT (un ordonnanceur Dask en marche) ou local:N (N processus de travail sur cette machine), reçu {address!r}", f"--cluster: expected tcp://HOST:PORT (a running Dask scheduler) or local:N "
                     f"(N worker processes on this machine), got {address!r}"))


# --------------------------------------------------------------------------- the course bundle
@dataclass(frozen=True)
class CourseBundle:
    """What a worker needs of the course, zipped: ``course_yml`` is course.yml's name in the
    zip, ``digest`` the zip's SHA-256."""

    data: bytes
    digest: str
    course_yml: str
    files: tuple[str, ...] = ()


def _files_under(folder: Path) -> list[Path]:
    out = []
    for d, dirs, names in os.walk(folder):
        dirs[:] = sorted(x for x in dirs if x != "__pycache__" and not x.startswith("."))
        out += [Path(d) / n for n in sorted(names) if not n.endswith((".pyc", ".pyo"))]
    return out


def bundle_course(course_path: Path) -> CourseBundle:
    """The bundle of the course at ``course_path``: course.yml, the course secret, the roster,
    the exercises and the course's own questions folder (their data files included), under
    their paths relative to course.yml (a roster outside the course folder keeps its place:
    the zip's root is the folders' common parent). Deterministic: the same course gives the
    same bytes."""
    from course.planning.config import load_course
    from course.planning.secret import secret_path

    course_path = Path(os.path.abspath(course_path))
    course = load_course(course_path, check_families=False)
    root = course_path.parent

    def place(rel: str) -> Path:
        return Path(os.path.normpath(root / rel))

    files = [course_path, place(course.data.roster)]
    if secret_path(root).is_file():
        files.append(secret_path(root))
    for rel in (course.data.exercises, course.data.questions):
        if place(rel).is_dir():
            files += _files_under(place(rel))
    files = sorted(set(files))
    base = Path(os.path.commonpath([str(root), *(str(f.parent) for f in files)]))
    buf = io.BytesIO()
    names = []
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for f in files:
            name = f.relative_to(base).as_posix()
            info = zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0))
            info.external_attr = 0o600 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            try:
                z.writestr(info, f.read_bytes())
            except OSError as exc:
                raise CourseError(text(f"illisible pour la grappe ({exc.strerror})", f"cannot read it for the cluster ({exc.strerror})"), path=str(f)) from None
            names.append(name)
    data = buf.getvalue()
    return CourseBundle(data, hashlib.sha256(data).hexdigest(), course_path.relative_to(base).as_posix(),
                        tuple(names))


def _bundle(bundle: CourseBundle) -> CourseBundle:
    """The task whose result every job depends on (the scheduler holds it and can compute it
    again if the worker holding it is lost)."""
    return bundle


# --------------------------------------------------------------------------- worker side
_LOCK = threading.RLock()  # one job at a time in this worker's slot; plugin set-up and teardown
_INDEX: dict[str, Any] = {}  # this worker's slot number and the lock file that holds it
#: bundle digest -> (its folder, its course.yml) in this worker's local directory
_UNPACKED: dict[str, tuple[str, str]] = {}


def _claim_index() -> int:
    """A slot number no other worker process of this machine holds (a lock file held until
    this process exits): the slot's uid is the uid base plus it (or the next free one) and its
    GPU the number modulo the GPU count, as in the local pool."""
    import fcntl

    from .slot import lock_dir

    if "index" in _INDEX:
        return _INDEX["index"]
    folder = lock_dir()
    os.makedirs(folder, mode=0o700, exist_ok=True)
    for k in range(10_000):
        fd = os.open(os.path.join(folder, f"worker-{k}.lock"), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            continue
        _INDEX.update(index=k, fd=fd)
        return k
    return 0


def worker_state(dask_worker: Any) -> dict[str, Any]:
    """What the client shows of a worker: its sandbox (started or why not), its protections."""
    slot = batch._SLOT
    prot = slot.prot if slot is not None else protections()
    alive = slot is not None and slot.alive()
    return {"worker": dask_worker.address, "host": socket.gethostname(), "pid": os.getpid(),
            "ok": alive, "why": None if alive else (batch._START_ERROR or "no sandbox slot"),
            "protections": prot.to_json(), "nthreads": dask_worker.state.nthreads,
            "resources": {k: v for k, v in dask_worker.state.total_resources.items() if k != SANDBOX},
            "version": RECORD_VERSION, "uid": slot.uid if slot is not None else None,
            "time": time.time()}


def _stop_slot() -> None:
    """Stop this worker's slot and remove the courses unpacked here."""
    with _LOCK:
        if batch._SLOT is not None:
            batch._SLOT.close()
            batch._SLOT = None
        for digest, (folder, yml) in list(_UNPACKED.items()):
            batch._COURSES.pop(yml, None)
            shutil.rmtree(folder, ignore_errors=True)
            del _UNPACKED[digest]


def _unpack(bundle: CourseBundle, local_directory: str) -> str:
    """course.yml of ``bundle`` unpacked in this worker's local directory (mode 0700; removed
    when the batch ends, and with the worker's local directory)."""
    folder, yml = _UNPACKED.get(bundle.digest, ("", ""))
    if yml and os.path.isfile(yml):
        return yml
    if hashlib.sha256(bundle.data).hexdigest() != bundle.digest:
        raise CourseError(text("le paquet du cours est endommagé (son SHA-256 diffère)", "the course bundle is damaged (its SHA-256 differs)"))
    os.makedirs(local_directory, exist_ok=True)
    folder = tempfile.mkdtemp(prefix="course-", dir=local_directory)
    os.chmod(folder, 0o700)
    with zipfile.ZipFile(io.BytesIO(bundle.data)) as z:
        for info in z.infolist():
            parts = Path(info.filename).parts
            if info.is_dir() or info.filename.startswith("/") or ".." in parts or not parts:
                raise CourseError(text(f"le paquet du cours contient un nom invalide : {info.filename!r}", f"the course bundle holds a bad name: {info.filename!r}"))
            target = Path(folder, *parts)
            target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
            with os.fdopen(fd, "wb") as f:
                f.write(z.read(info))
    yml = str(Path(folder, bundle.course_yml))
    _UNPACKED[bundle.digest] = (folder, yml)
    return yml


def _announce(dask_worker: Any, state: dict[str, Any]) -> None:
    with contextlib.suppress(Exception):
        dask_worker.log_event(WORKERS_TOPIC, state)


try:  # the plugin's base class, when distributed is installed (it always is where this runs)
    from distributed import WorkerPlugin as _PluginBase
except ImportError:  # pragma: no cover - the CLI says what to install before importing this
    _PluginBase = object  # type: ignore[assignment,misc]


class SandboxPlugin(_PluginBase):  # type: ignore[misc,valid-type]
    """Claims the worker's sandbox slot and starts its zygote when the worker starts (or when
    the plugin is registered), before the worker is sent any job or course data; announces
    the :data:`SANDBOX` resource when it started. Teardown (the batch's end) stops the slot
    and removes the unpacked course."""

    name = PLUGIN

    def __init__(self, limits: dict[str, Any], torch: bool):
        self.limits = dict(limits)
        self.torch = torch

    async def setup(self, worker: Any) -> None:
        with _LOCK:
            _stop_slot()
            batch.start_slot(_claim_index(), self.limits, self.torch)
            state = worker_state(worker)
        await worker.set_resources(**{SANDBOX: 1 if state["ok"] else 0})
        _announce(worker, state)

    async def teardown(self, worker: Any) -> None:
        with contextlib.suppress(Exception):
            await worker.set_resources(**{SANDBOX: 0})
        _stop_slot()


@dataclass
class Outcome:
    """What a job returns to the client: the signed record, or None and why (no sandbox on
    that worker: the job goes elsewhere); the worker and the resources the job asked for."""

    record: Record | None
    worker: str
    why: str | None = None
    resources: dict[str, float] = field(default_factory=dict)


def run_job(job: GradingJob, jid: str, bundle: CourseBundle, topic: str) -> Outcome:
    """A cluster job: on its worker, grade ``job`` in the worker's slot and return the record
    (nothing written here). ``jid``: the job's id in its batch; ``topic``: the batch's events
    (one per start, for the report of retried jobs)."""
    from distributed import get_worker

    w = get_worker()
    wanted: dict[str, float] = {}
    with contextlib.suppress(Exception):
        wanted = dict(w.state.tasks[w.get_current_task()].resource_restrictions or {})
    with _LOCK:
        slot = batch._SLOT
        ok = slot is not None
        if slot is not None and not slot.alive():
            try:
                slot.start()
            except Exception as exc:  # noqa: BLE001 - reported, and the job goes elsewhere
                batch._START_ERROR = f"{type(exc).__name__}: {exc}"[:2000]
                ok = False
        if not ok:  # withdraw the resource: no further job comes here
            state = worker_state(w)
            w.loop.add_callback(w.set_resources, **{SANDBOX: 0})
            _announce(w, state)
            return Outcome(None, w.address, state["why"], wanted)
        w.log_event(topic, {"job": jid, "worker": w.address})
        course_yml = _unpack(bundle, w.local_directory)
        rec = batch.grade_record(replace(job, course_path=course_yml))
    return Outcome(rec, w.address, None, wanted)


# --------------------------------------------------------------------------- client side
def _quiet_logs(level: int) -> None:
    for name in ("distributed", "distributed.client", "distributed.scheduler", "distributed.worker",
                 "distributed.nanny", "distributed.core", "distributed.comm", "distributed.utils",
                 "distributed.batched"):
        logging.getLogger(name).setLevel(level)


@contextlib.contextmanager
def open_cluster(address: str, *, gpu: bool = False) -> Iterator[ClusterExecutor]:
    """A :class:`ClusterExecutor` on the scheduler at ``address`` (``tcp://host:port``) or on
    a ``LocalCluster`` of N worker processes (``local:N``), closed afterwards. One line
    (:class:`CourseError`) when the scheduler does not answer or has no worker."""
    kind, n = parse_address(address)
    try:
        import dask
        from distributed import Client, LocalCluster
    except ImportError:
        raise CourseError(text(f"--cluster demande Dask : {HINT_EXTRA}", f"--cluster needs Dask: {HINT_EXTRA}")) from None
    _quiet_logs(logging.ERROR)
    cluster = None
    client = None
    try:
        if kind == "local":
            if gpu and not protections().gpus:
                raise UsageError(text("--gpu : cette machine n'a pas de GPU NVIDIA pour ses workers locaux", "--gpu: this machine has no NVIDIA GPU for its local workers"))
            cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                                   dashboard_address=None, memory_limit=0,
                                   silence_logs=logging.ERROR,
                                   resources={GPU: 1} if gpu else None)
            client = Client(cluster, set_as_default=False)
        else:
            timeout = dask.config.get("distributed.comm.timeouts.connect")
            try:
                client = Client(address, timeout=timeout, set_as_default=False)
            except Exception as exc:  # noqa: BLE001 - one line, whatever the transport says
                why = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                raise CourseError(text(f"--cluster {address} : aucun ordonnanceur Dask ne répond à cette adresse ({why}) : lancez-en un (`dask scheduler`) ou vérifiez l'adresse", f"--cluster {address}: no Dask scheduler answers there ({why}): "
                                  "start one (`dask scheduler`) or check the address")) from None
            try:
                client.wait_for_workers(1, timeout=dask.utils.parse_timedelta(timeout))
            except Exception:  # noqa: BLE001
                raise CourseError(text(f"--cluster {address} : l'ordonnanceur n'a aucun worker : lancez-en (`dask worker {address} --nthreads 1`)", f"--cluster {address}: the scheduler has no worker: start some "
                                  f"(`dask worker {address} --nthreads 1`)")) from None
        ex = ClusterExecutor(client, address, gpu=gpu)
        yield ex
    finally:
        _quiet_logs(logging.CRITICAL)  # closing: reconnection attempts, heartbeats to the gone
        if client is not None:
            with contextlib.suppress(Exception):
                client.close(timeout=5)
        if cluster is not None:
            with contextlib.suppress(Exception):
                cluster.close(timeout=30)


class ClusterLost(CourseError):
    """The scheduler (or this client's connection to it) was lost mid-batch."""


class ClusterExecutor:
    """Runs a batch's jobs on the Dask cluster of ``client`` (see the module docstring).

    After :meth:`run`: ``workers`` (each worker's announced state), ``starts`` (job id ->
    the workers it started on), ``retried`` (file name -> the workers it started on, for the
    jobs that ran more than once), ``placement`` (file name -> (worker, resources asked for))."""

    remote = True

    def __init__(self, client: Any, address: str, *, gpu: bool = False):
        self.client = client
        self.address = address
        self.gpu = gpu
        self.limits: dict[str, Any] = {}
        self.torch = False
        self.workers: dict[str, dict[str, Any]] = {}
        self.starts: dict[str, list[str]] = {}
        self.retried: dict[str, list[str]] = {}
        self.bounced: dict[str, list[str]] = {}
        self.placement: dict[str, tuple[str, dict[str, float]]] = {}
        self.graded_by: dict[str, int] = {}
        self.jobs = 0
        self.resubmitted = 0  # jobs submitted again: no worker held them (see STUCK_S)
        self._events: set[tuple[float, str, str]] = set()
        self._lock = threading.Lock()

    # ----------------------------------------------------------------- hooks of grade_folder
    def configure(self, limits: dict[str, Any], torch: bool) -> None:
        self.limits, self.torch = dict(limits), torch

    def resources(self) -> dict[str, float]:
        """The resources each job of the batch asks for."""
        return {SANDBOX: 1, **({GPU: 1} if self.gpu and self.torch else {})}

    # ----------------------------------------------------------------- events
    def _on_start(self, event: Any) -> None:
        when, msg = event
        if isinstance(msg, dict) and "job" in msg:
            with self._lock:
                self._events.add((when, str(msg["job"]), str(msg.get("worker"))))

    def _on_worker(self, event: Any) -> None:
        _when, msg = event
        if isinstance(msg, dict) and "worker" in msg and "protections" in msg:
            with self._lock:
                old = self.workers.get(msg["worker"])
                if old is None or old.get("time", 0) <= msg.get("time", 0):
                    self.workers[msg["worker"]] = msg

    def _sandboxed(self) -> list[str]:
        info = self.client.scheduler_info(n_workers=-1)["workers"]
        need = self.resources()
        return [a for a, w in info.items()
                if all((w.get("resources") or {}).get(r, 0) >= q for r, q in need.items())]

    # ----------------------------------------------------------------- the batch
    def _setup(self) -> None:
        """Register the sandbox plugin (each worker starts its slot), gather the workers'
        states; one line when no worker can take a job."""
        static = [a for a, w in self.client.scheduler_info(n_workers=-1)["workers"].items()
                  if all((w.get("resources") or {}).get(r, 0) >= q
                         for r, q in self.resources().items() if r != SANDBOX)]
        if not static:
            raise CourseError(text(f"--cluster {self.address} : aucun worker n'a les ressources que demandent les tâches ({', '.join(f'{k}={v:g}' for k, v in self.resources().items() if k != SANDBOX)}) : lancez des workers avec `--resources GPU=1`, ou corrigez sans --gpu", f"--cluster {self.address}: no worker has the resources the jobs ask "
                              f"for ({', '.join(f'{k}={v:g}' for k, v in self.resources().items() if k != SANDBOX)}): "
                              "start workers with `--resources GPU=1`, or grade without --gpu"))
        self.client.subscribe_topic(WORKERS_TOPIC, self._on_worker)
        try:
            self.client.register_plugin(SandboxPlugin(self.limits, self.torch), name=PLUGIN)
            states = self.client.run(worker_state)
        except Exception as exc:  # noqa: BLE001
            raise CourseError(text(f"--cluster {self.address} : les workers n'ont pas pu démarrer leur bac à sable ({type(exc).__name__} : {exc})", f"--cluster {self.address}: the workers could not start their sandbox "
                              f"({type(exc).__name__}: {exc})")) from None
        with self._lock:
            for st in states.values():
                self.workers[st["worker"]] = st
        if not any(st["ok"] for st in states.values()):
            why = "; ".join(f"{a}: {st['why']}" for a, st in sorted(states.items()))
            raise CourseError(text(f"--cluster {self.address} : aucun worker n'a pu démarrer de bac à sable ({why})", f"--cluster {self.address}: no worker could start a sandbox ({why})"))
        if not self._sandboxed():
            raise CourseError(text(f"--cluster {self.address} : aucun worker doté d'un bac à sable n'a les ressources que demandent les tâches ({', '.join(f'{k}={v:g}' for k, v in self.resources().items())})", f"--cluster {self.address}: no worker with a sandbox has the resources "
                              f"the jobs ask for ({', '.join(f'{k}={v:g}' for k, v in self.resources().items())})"))

    def run(self, jobs: list[GradingJob]) -> Iterator[Record]:
        if not jobs:
            return
        from distributed import wait

        from course.planning.config import load_course

        self.jobs = len(jobs)
        self.starts, self.retried, self.bounced, self.placement, self.graded_by = {}, {}, {}, {}, {}
        self.resubmitted = 0
        with self._lock:
            self._events.clear()
            self.workers.clear()
        course_path = Path(jobs[0].course_path)
        key = load_course(course_path, check_families=False).record_key
        bundle = bundle_course(course_path)
        batch_id = uuid.uuid4().hex[:12]
        topic = f"course-grade-{batch_id}"
        client = self.client
        self._setup()
        client.subscribe_topic(topic, self._on_start)
        by_id = {str(i): j for i, j in enumerate(jobs)}
        res = self.resources()
        rounds = {"bundle": 0}

        def new_bundle() -> Any:
            rounds["bundle"] += 1
            return client.submit(_bundle, bundle, key=f"course-bundle-{batch_id}-{rounds['bundle']}",
                                 resources={SANDBOX: 1}, pure=False)

        attempts: dict[str, int] = {}
        pending: dict[Any, str] = {}
        shared = {"bundle": new_bundle()}

        def submit(ids: list[str]) -> None:
            for jid in ids:
                attempts[jid] = attempts.get(jid, 0) + 1
            with warnings.catch_warnings():  # the notebooks are the jobs' data: they travel
                warnings.filterwarnings("ignore", "Sending large graph", UserWarning)
                futs = client.map(run_job, [by_id[j] for j in ids], ids, bundle=shared["bundle"],
                                  topic=topic, key=[f"course-grade-{batch_id}-{j}-{attempts[j]}" for j in ids],
                                  resources=res, pure=False)
            pending.update(zip(futs, ids, strict=True))

        submit(list(by_id))
        done_ids: set[str] = set()
        progress = time.monotonic()
        no_worker_since: float | None = None
        try:
            while pending:
                try:
                    with client.as_current():  # (wait() finds its client there)
                        done, _ = wait(list(pending), timeout=2.0, return_when="FIRST_COMPLETED")
                except TimeoutError:
                    done = set()
                except Exception as exc:  # noqa: BLE001 - cancelled: the scheduler was lost
                    raise self._lost(exc, len(done_ids)) from None
                if client.status != "running":
                    raise self._lost(None, len(done_ids))
                for fut in done:
                    jid = pending.pop(fut)
                    if jid in done_ids:
                        continue
                    rec, again = self._outcome(fut, by_id[jid], key)
                    fut.release()
                    if again:
                        submit([jid])
                        continue
                    done_ids.add(jid)
                    progress = time.monotonic()
                    assert rec is not None
                    yield rec
                if done or not pending or time.monotonic() - progress < STUCK_S:
                    continue
                sandboxed = self._sandboxed()
                if not sandboxed:
                    no_worker_since = no_worker_since or time.monotonic()
                    if time.monotonic() - no_worker_since > NO_WORKER_S:
                        raise ClusterLost(
                            text(f"--cluster {self.address} : plus aucun worker doté d'un bac à sable depuis {NO_WORKER_S:.0f} s ; {len(done_ids)} des {len(jobs)} enregistrements sont écrits : lancez des workers et relancez la même commande pour corriger le reste", f"--cluster {self.address}: no worker with a sandbox left for "
                            f"{NO_WORKER_S:.0f} s; {len(done_ids)} of {len(jobs)} records are "
                            "written: start workers and run the same command again to grade the rest"))
                    continue
                no_worker_since = None
                busy = {k for keys in client.processing().values() for k in keys}
                stuck = [f for f in pending if f.key not in busy and f.status == "pending"]
                idle = [a for a in sandboxed if not client.processing(workers=[a]).get(a)]
                if stuck and idle:  # Dask does not give its no-worker tasks to workers that
                    ids = [pending.pop(f) for f in stuck]  # gained the resource since: again
                    self.resubmitted += len(ids)
                    client.cancel(stuck)
                    shared["bundle"] = new_bundle()
                    submit(ids)
                    progress = time.monotonic()
        finally:
            with contextlib.suppress(Exception):
                client.cancel(list(pending))
            self._finish(topic, by_id)

    def _outcome(self, fut: Any, job: GradingJob, key: bytes) -> tuple[Record | None, bool]:
        """The record of a finished future (checked, written), or (None, True) to submit the
        job again (its worker had no sandbox)."""
        name = Path(job.notebook).name
        if fut.status == "finished":
            try:
                # the result lives on the worker that computed it: if that worker is lost before
                # it is fetched, Dask computes it again, but never on a worker that gained the
                # sandbox resource since (see STUCK_S): the job is submitted again instead
                out = fut.result(timeout=STUCK_S)
            except TimeoutError:
                self.resubmitted += 1
                return None, True
            except Exception as exc:  # noqa: BLE001
                return self._failed(job, exc), False
            if out.record is None:
                gone = self.bounced.setdefault(name, [])
                gone.append(out.worker)
                if len(gone) <= MAX_BOUNCES:
                    return None, True
                rec = about(Record.error(name, job.sha256, job.assignment, job.student,
                                         f"no worker could start a sandbox (last: {out.why})"), job)
            else:
                rec = self._checked(out.record, job, key, out.worker)
                self.placement[name] = (out.worker, out.resources)
                self.graded_by[out.worker] = self.graded_by.get(out.worker, 0) + 1
        else:
            try:
                exc = fut.exception()
            except Exception as e:  # noqa: BLE001
                exc = e
            rec = self._failed(job, exc)
        write_record(rec, Path(job.record))
        return rec, False

    @staticmethod
    def _failed(job: GradingJob, exc: BaseException | None) -> Record:
        what = type(exc).__name__ if exc is not None else "cancelled"
        return about(Record.error(Path(job.notebook).name, job.sha256, job.assignment, job.student,
                                  f"worker failed: {what}: {str(exc)[:300] if exc else ''}"), job)

    @staticmethod
    def _checked(rec: Record, job: GradingJob, key: bytes, worker: str) -> Record:
        """``rec`` if it is signed with this course's key and about ``job``'s very file, owner
        and assignment (an unsigned error record is kept as it is: it is graded again next
        time); else an error record."""
        name = Path(job.notebook).name
        about_it = (rec.file, rec.sha256, rec.student, rec.assignment) == (
            name, job.sha256, job.student, job.assignment)
        signed = record_is_authentic(rec.to_json(), key)
        if about_it and (signed or rec.status == "error"):
            return rec
        why = "is not signed with this course's key" if about_it else "is about another file"
        return about(Record.error(name, job.sha256, job.assignment, job.student,
                                  f"the record from worker {worker} {why}"), job)

    def _lost(self, exc: BaseException | None, n: int) -> ClusterLost:
        why = f" ({type(exc).__name__})" if exc is not None else ""
        return ClusterLost(text(f"--cluster {self.address} : ordonnanceur Dask perdu en cours de lot{why} ; {n} des {self.jobs} enregistrements sont écrits : relancez la même commande pour corriger le reste", f"--cluster {self.address}: lost the Dask scheduler mid-batch{why}; "
                           f"{n} of {self.jobs} records are written: run the same command again "
                           "to grade the rest"))

    def _finish(self, topic: str, by_id: dict[str, GradingJob]) -> None:
        """Stop the sandboxes (the plugin's teardown), gather the start events: the jobs that
        started more than once were retried."""
        client = self.client
        if client.status == "running":
            with contextlib.suppress(Exception):
                alive = set(client.scheduler_info(n_workers=-1)["workers"])
                with self._lock:
                    for addr, st in self.workers.items():
                        st["lost"] = addr not in alive
            with contextlib.suppress(Exception):
                for event in client.get_events(topic):
                    self._on_start(event)
            with contextlib.suppress(Exception):
                client.unregister_worker_plugin(PLUGIN)
            for t in (topic, WORKERS_TOPIC):
                with contextlib.suppress(Exception):
                    client.unsubscribe_topic(t)
        with self._lock:
            starts: dict[str, list[tuple[float, str]]] = {}
            for when, jid, worker in self._events:
                starts.setdefault(jid, []).append((when, worker))
        self.starts = {j: [w for _, w in sorted(v)] for j, v in starts.items()}
        self.retried = {Path(by_id[j].notebook).name: w for j, w in self.starts.items()
                        if len(w) > 1 and j in by_id}

    # ----------------------------------------------------------------- the report
    def protection_rows(self, lang: str) -> tuple[list[tuple[str, bool, str]], list[str]]:
        """One row per worker (its sandbox and which protections it has) and the notes: each
        worker's own, the jobs retried or sent elsewhere."""
        fr = lang == "fr"
        lim = Limits(**self.limits) if self.limits else None
        rows: list[tuple[str, bool, str]] = []
        notes: list[str] = []
        with self._lock:
            workers = dict(self.workers)
        ok = [a for a, st in workers.items() if st["ok"]]
        rows.append((f"cluster {self.address}", bool(ok), _pick(text(
            f"{len(workers)} workers, {len(ok)} avec un bac à sable ; {self.jobs} notebooks envoyés",
            f"{len(workers)} workers, {len(ok)} with a sandbox; {self.jobs} notebooks sent"), fr)))
        for addr, st in sorted(workers.items()):
            label = f"worker {addr} ({st.get('host', '?')})"
            if not st["ok"]:
                rows.append((label, False, _pick(text(
                    f"le bac à sable n'a pas démarré : {st.get('why')} ; aucun notebook ne lui a été envoyé",
                    f"the sandbox did not start: {st.get('why')}; it was sent no notebook"), fr)))
                continue
            items = Protections(**st["protections"]).items(lang, lim)
            missing = [n for n, on, _ in items if not on]
            n = self.graded_by.get(addr, 0)
            what = text(f"{len(items) - len(missing)} protections sur {len(items)}"
                        + (f", absentes : {', '.join(missing)}" if missing else "")
                        + f" ; {n} notebooks corrigés",
                        f"{len(items) - len(missing)} of {len(items)} protections"
                        + (f", missing: {', '.join(missing)}" if missing else "")
                        + f"; {n} notebooks graded")
            if st.get("lost"):
                what = {k: v + (" ; perdu pendant le lot" if k == "fr" else "; lost during the batch")
                        for k, v in what.items()}
            rows.append((label, not missing, _pick(what, fr)))
            for note in st["protections"].get("notes", []):
                notes.append(f"{addr}: {note}")
            if st.get("nthreads", 1) > 1:
                notes.append(_pick(text(
                    f"{addr} : {st['nthreads']} fils, un seul notebook à la fois (un emplacement de "
                    "bac à sable par worker) : lancez-le avec --nthreads 1",
                    f"{addr}: {st['nthreads']} threads, one notebook at a time (one sandbox slot "
                    "per worker): start it with --nthreads 1"), fr))
            if st.get("version") != RECORD_VERSION:
                notes.append(_pick(text(
                    f"{addr} : version des records {st.get('version')}, ici {RECORD_VERSION}",
                    f"{addr}: record version {st.get('version')}, {RECORD_VERSION} here"), fr))
        for name, workers_of in sorted(self.retried.items()):
            notes.append(_pick(text(
                f"relancé : {name} a commencé sur {', '.join(workers_of[:-1])}, perdu ; corrigé sur {workers_of[-1]}",
                f"retried: {name} started on {', '.join(workers_of[:-1])}, which was lost; graded on "
                f"{workers_of[-1]}"), fr))
        for name, gone in sorted(self.bounced.items()):
            notes.append(_pick(text(
                f"envoyé ailleurs : {name} (pas de bac à sable sur {', '.join(gone)})",
                f"sent elsewhere: {name} (no sandbox on {', '.join(gone)})"), fr))
        return rows, notes


def _pick(t: Text, fr: bool) -> str:
    return t["fr" if fr else "en"]

"""The serving core: it owns the model device and decides what runs on it, and when.

- Every model (task + checkpoint) has its own queue and its own worker thread, so a long job of
  one model never stalls another's; all workers share ``DeviceSlots`` (FIFO: waiting is bounded).
- ``ModelQueue`` answers plain requests in dynamic batches: whatever is waiting when the worker
  is free (up to ``max_batch_size``), grouped by parameters. Each request is checked alone before
  it is queued; if a batch fails, its requests are answered one by one, so one request's input can
  never change another's result or error.
- ``StreamEngine`` batches streams continuously (as text-generation-inference and vLLM do): the
  streams of one model advance together, one step (or a short run of steps) for all of them; a
  stream joins or leaves at such a boundary, and a closed stream (Stop, a disconnect) is dropped
  at the next one. On a CPU a model's streams are spread over lanes (``settings.stream_lanes``):
  each lane is a thread stepping its own batch, so while one is in Python between runs the other
  computes (two lanes of 4 streams: each of 8 streams 0.63-0.70x a lone one's speed, against
  0.43-0.54 for one batch split in halves at every run; BENCHMARKS.md). Tasks that
  stream provide ``start_sequence``/``step_sequences`` (see ``zoo.task``); a seed gives the same
  text alone or batched because every step a task batches is row-independent.

The same code serves one CUDA device: there the slots default to one, so the models take turns
batch by batch (or step by step) instead of queueing kernels behind each other.

Gradio's ``batch=True`` stays, as transport only: it hands the app the requests waiting for one
event in one call, which saves most of Gradio's cost per request. It checks every component value
of a batch before the function runs, so one bad value used to fail all requests in it; the app's
guards now turn a bad value into that request's own error (``zoo.app._guard_inputs``), and the
batching that matters happens here, per model, across events and sessions. Streams and file inputs
are not sent through it (generators cannot be batched; Gradio checks upload paths for a whole
batch before any hook).
"""
from __future__ import annotations

import collections
import concurrent.futures
import logging
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

from . import settings
from .errors import InputError, ZooError

log = logging.getLogger("zoo.scheduler")


class BusyError(ZooError):
    """Too many requests are waiting for this model; the client should try again shortly."""


class ClosingError(ZooError):
    """The server is shutting down and takes no new work."""


def error_message(exc: BaseException) -> str:
    """What a visitor is told: the zoo's own message, or (for a bug) what happened without internals."""
    if isinstance(exc, ZooError):
        return str(exc)
    return (f"the server failed on this input ({type(exc).__name__}); nothing else was affected. "
            "Try a different input; if it keeps happening, please report it")


class DeviceSlots:
    """A first-come first-served semaphore: at most ``n`` holders, waiters served in arrival order."""

    def __init__(self, n: int):
        self.n = n
        self._free = n
        self._waiters: collections.deque[threading.Event] = collections.deque()
        self._lock = threading.Lock()

    def __enter__(self) -> DeviceSlots:
        with self._lock:
            if self._free and not self._waiters:
                self._free -= 1
                return self
            ticket = threading.Event()
            self._waiters.append(ticket)
        ticket.wait()  # the releaser handed its slot straight to us
        return self

    def __exit__(self, *exc) -> None:
        with self._lock:
            if self._waiters:
                self._waiters.popleft().set()
            else:
                self._free += 1


class _Inflight:
    """Counts requests and streams being served, so shutdown can wait for them."""

    def __init__(self):
        self._n = 0
        self._cond = threading.Condition()
        self.closing = False

    def refuse_if_closing(self) -> None:
        if self.closing:
            raise ClosingError("the server is restarting and takes no new requests; try again in a minute")

    def enter(self) -> None:
        with self._cond:
            self.refuse_if_closing()
            self._n += 1

    def leave(self) -> None:
        with self._cond:
            self._n -= 1
            self._cond.notify_all()

    @property
    def count(self) -> int:
        return self._n

    def wait_idle(self, timeout: float) -> bool:
        with self._cond:
            return self._cond.wait_for(lambda: self._n == 0, timeout)


class _Request:
    __slots__ = ("input", "params", "future")

    def __init__(self, input, params):
        self.input, self.params = input, params
        self.future: concurrent.futures.Future = concurrent.futures.Future()


class _ModelWorker:
    """One model's worker thread and what waits for it; subclasses say how it works (``_work``)."""

    waiting_what = "requests"

    def __init__(self, name: str, task, load: Callable[[], Any], slots: DeviceSlots, inflight: _Inflight,
                 workers: int = 1):
        self.name, self.task, self._load = name, task, load
        self._slots, self._inflight = slots, inflight
        self._waiting: collections.deque = collections.deque()
        self._cond = threading.Condition()
        for k in range(workers):  # more than one: a model served by replicas elsewhere, or stream lanes
            threading.Thread(target=self._work, name=f"zoo-{name}-{k}", daemon=True).start()

    def _admit(self, make: Callable[[Any, dict], Any], input: Any, params: dict):
        """Check the request alone (a bad one never reaches a batch) and make it wait its turn."""
        params = self.task.coerce_params(params)
        self.task.validate(input)
        item = make(input, params)
        with self._cond:
            if len(self._waiting) >= settings.max_waiting():
                raise BusyError(f"{len(self._waiting)} {self.waiting_what} are already waiting for this model; "
                                "try again shortly")
            self._inflight.enter()
            self._waiting.append(item)
            self._cond.notify()
        return item

    def _work(self) -> None:
        raise NotImplementedError


class ModelQueue(_ModelWorker):
    """One model's plain (non-streaming) requests, answered in dynamic batches by one worker."""

    def __init__(self, *args, **kwargs):
        self.batch_sizes: collections.Counter = collections.Counter()  # what the worker ran (benchmarks)
        super().__init__(*args, **kwargs)

    def submit(self, input: Any, params: dict) -> concurrent.futures.Future:
        return self._admit(_Request, input, params).future

    def _take(self) -> list[_Request]:
        with self._cond:
            self._cond.wait_for(lambda: self._waiting)
            n = min(len(self._waiting), settings.max_batch_size())
            return [self._waiting.popleft() for _ in range(n)]

    def _work(self) -> None:
        while True:
            batch = self._take()
            try:
                self._run(batch)
            except Exception:  # a bug here must not stop this model's worker (callers get an error below)
                log.exception("%s: worker error", self.name)
            finally:
                for req in batch:
                    if not req.future.done():  # never leave a caller hanging
                        req.future.set_result({"error": "the request was not answered; try again"})
                    self._inflight.leave()

    def _run(self, batch: list[_Request]) -> None:
        groups: dict[tuple, list[_Request]] = {}
        for req in batch:
            groups.setdefault(tuple(sorted(req.params.items(), key=lambda kv: kv[0])), []).append(req)
        for group in groups.values():
            self._answer(group)

    def _answer(self, group: list[_Request]) -> None:
        try:
            pipe = self._load()
        except Exception as exc:  # e.g. a checkpoint that fails to load: each caller is told why
            for req in group:
                req.future.set_result({"error": error_message(exc)})
            return
        params = group[0].params
        self.batch_sizes[len(group)] += 1
        try:
            with self._slots:
                outs = pipe.batch([r.input for r in group], **params)
            if len(outs) != len(group):
                raise RuntimeError(f"predict_batch returned {len(outs)} results for {len(group)} inputs")
        except Exception as exc:
            if len(group) == 1:
                self._fail(group[0], exc)
                return
            # Someone's input broke the batch: answer each alone, so only that request fails.
            for req in group:
                try:
                    with self._slots:
                        req.future.set_result(pipe(req.input, **params))
                except Exception as one:
                    self._fail(req, one)
            return
        for req, out in zip(group, outs):
            req.future.set_result(out)

    def _fail(self, req: _Request, exc: Exception) -> None:
        if not isinstance(exc, ZooError):
            log.error("%s: request failed", self.name, exc_info=exc)
        req.future.set_result({"error": error_message(exc)})


def _noted(pipe, result: dict) -> dict:
    add = getattr(pipe, "with_notices", None)
    return add(result) if add else result


class _Stream:
    """One client's stream: the engine publishes results into it; the client iterates."""

    def __init__(self, input, params):
        self.input, self.params = input, params
        self.seq = None
        self.sent = 0.0  # when the engine last published to it
        self.closed = False  # set by the client: Stop or a disconnect
        self._latest: dict | None = None
        self._final = False
        self._error: str | None = None
        self._cond = threading.Condition()

    def publish(self, result: dict | None = None, final: bool = False, error: str | None = None) -> None:
        with self._cond:
            if result is not None:
                self._latest = result
            self._final = self._final or final or error is not None
            self._error = error
            self._cond.notify_all()

    def __iter__(self) -> Iterator[dict]:
        try:
            while True:
                with self._cond:
                    self._cond.wait_for(lambda: self._latest is not None or self._final)
                    result, final, error = self._latest, self._final, self._error
                    self._latest = None
                if error is not None:
                    raise _StreamFailed(error)
                if result is not None:
                    yield result
                if final:
                    return
        finally:
            self.closed = True  # the client stopped reading: free the stream at the next step


class _StreamFailed(ZooError):
    pass


UPDATES_PER_S = 24  # stream updates an engine sends per second, across its streams


class StreamEngine(_ModelWorker):
    """Continuous batching of one model's streams (see the module docstring)."""

    waiting_what = "streams"
    every_s = 0.05  # at most this often an update per stream (fewer when many: UPDATES_PER_S)

    def __init__(self, *args, lanes: int = 1):
        self.step_sizes: collections.Counter = collections.Counter()  # streams per step (benchmarks)
        self.lane_steps: collections.Counter = collections.Counter()  # steps per lane (benchmarks)
        self.lanes = lanes
        self._lane_sizes = [0] * lanes  # streams each lane holds
        self._lane_numbers = iter(range(lanes))
        super().__init__(*args, workers=lanes)

    def open(self, input: Any, params: dict) -> Iterator[dict]:
        return iter(self._admit(_Stream, input, params))

    def _work(self) -> None:
        active: list[_Stream] = []  # this lane's streams being prefilled or stepped, in arrival order
        state = {"pipe": None, "last_look": 0.0, "lane": next(self._lane_numbers)}
        while True:
            try:
                self._turn(active, state)
                self._lane_sizes[state["lane"]] = len(active)
            except Exception as exc:  # a bug in the loop itself: end these streams, keep serving
                log.exception("%s: stream engine error", self.name)
                for s in list(active):
                    self._end(s, error=error_message(exc))
                active.clear()

    def _turn(self, active: list[_Stream], state: dict) -> None:
        """One step boundary: admit newcomers, prepare them, step the ready ones, publish."""
        if self._waiting or not active:
            with self._cond:
                self._cond.wait_for(lambda: self._waiting or active)
                while self._waiting and len(active) < self._share(state["lane"], len(active)):
                    active.append(self._waiting.popleft())
                self._lane_sizes[state["lane"]] = len(active)
                if self._waiting:  # the rest are another lane's share
                    self._cond.notify()
        if state["pipe"] is None:
            try:
                state["pipe"] = self._load()
            except Exception as exc:
                for s in active:
                    self._end(s, error=error_message(exc))
                active.clear()
                return
        pipe = state["pipe"]
        # Newcomers are prepared one bounded chunk at a time, between steps of the others.
        for s in [s for s in active if s.seq is None or not s.seq.ready]:
            try:
                with self._slots:
                    if s.seq is None:
                        s.seq = self.task.start_sequence(pipe, s.input, **s.params)
                    if not s.seq.ready:
                        s.seq.prefill()
            except Exception as exc:
                self._end(s, error=error_message(exc), exc=exc)
                active.remove(s)
        ready = [s for s in active if s.seq.ready and not s.seq.done]
        if ready:
            self._step(pipe, ready, active, state["lane"])
        for s in [s for s in active if s.seq is not None and s.seq.done]:
            s.publish(_noted(pipe, s.seq.result()), final=True)
            self._end(s)
            active.remove(s)
        now = time.perf_counter()
        if now - state["last_look"] >= 0.01:  # a few times per update interval, not every step
            state["last_look"] = now
            for s in [s for s in active if s.closed]:  # Stop or disconnect: gone at this boundary
                self._end(s)
                active.remove(s)
            # Updates cost the server as much as steps: at most about UPDATES_PER_S in all.
            every = max(self.every_s, len(active) / UPDATES_PER_S)
            for s in active:
                if s.seq is not None and now - s.sent >= every:
                    shown = s.seq.result() if s.seq.ready else s.seq.progress()  # progress: a long prompt
                    if shown is not None:
                        s.sent = now
                        s.publish(_noted(pipe, shown))

    def _share(self, lane: int, mine: int) -> int:
        """Streams this lane may hold: an even share of all this model's streams, held and waiting."""
        held = sum(self._lane_sizes) - self._lane_sizes[lane] + mine
        per_lane = -(-settings.max_streams() // self.lanes)
        return min(per_lane, -(-(held + len(self._waiting)) // self.lanes))

    def _step(self, pipe, ready: list[_Stream], active: list[_Stream], lane: int = 0) -> None:
        self.step_sizes[len(ready)] += 1
        self.lane_steps[lane] += 1
        try:
            with self._slots:
                self.task.step_sequences(pipe, [s.seq for s in ready])
            return
        except Exception as exc:
            if len(ready) == 1:
                self._end(ready[0], error=error_message(exc), exc=exc)
                active.remove(ready[0])
                return
        # A batched step failed: step each alone, so only the stream at fault ends.
        for s in ready:
            try:
                with self._slots:
                    self.task.step_sequences(pipe, [s.seq])
            except Exception as exc:
                self._end(s, error=error_message(exc), exc=exc)
                active.remove(s)

    def _end(self, s: _Stream, error: str | None = None, exc: BaseException | None = None) -> None:
        if exc is not None and not isinstance(exc, ZooError):
            log.error("%s: stream failed", self.name, exc_info=exc)
        s.publish(final=True, error=error)
        self._inflight.leave()


class Scheduler:
    """All models' queues and stream engines of one process (``scheduler()`` is the shared one)."""

    def __init__(self, load: Callable[[Any, str | None], Any], device_type: str = "cpu"):
        self._load = load  # (task, checkpoint) -> Pipeline
        self.device_type = device_type
        self.slots = DeviceSlots(settings.device_slots(device_type))
        self.inflight = _Inflight()
        self._queues: dict[tuple, ModelQueue | StreamEngine] = {}
        self._lock = threading.Lock()
        self.remote: dict[str, tuple[Any, int]] = {}  # task -> (pipeline served elsewhere, its replicas)

    def _for(self, task, checkpoint: str | None, kind):
        key = (task.name, checkpoint or "", kind.__name__)
        with self._lock:
            if key not in self._queues:
                name = f"{task.name}:{checkpoint or 'default'}"
                remote = self._remote(task, checkpoint) if kind is ModelQueue else None
                if remote is not None:  # replicas own their devices: no local slot, one worker per replica
                    pipe, replicas = remote
                    self._queues[key] = kind(name, task, lambda: pipe, DeviceSlots(replicas), self.inflight,
                                             workers=replicas)
                else:
                    lanes = {"lanes": settings.stream_lanes(self.device_type)} if kind is StreamEngine else {}
                    self._queues[key] = kind(name, task, lambda: self._load(task, checkpoint), self.slots,
                                             self.inflight, **lanes)
            return self._queues[key]

    def _remote(self, task, checkpoint: str | None):
        """The replicas serving this task's default checkpoint, if any (``zoo.serve_ray``)."""
        if task.name not in self.remote:
            return None
        from .task import default_of

        default = default_of(task.checkpoints)
        return self.remote[task.name] if checkpoint in (None, "", default and default.id) else None

    def submit(self, task, checkpoint: str | None, input: Any, params: dict) -> concurrent.futures.Future:
        """A future of the result dict (``{"error": message}`` when the request failed); raises
        ``InputError`` at once when the request itself is unusable."""
        self.inflight.refuse_if_closing()
        checkpoint, routed = route(task, checkpoint, input, params)
        future = self._for(task, checkpoint, ModelQueue).submit(input, params)
        if routed is None:
            return future
        told: concurrent.futures.Future = concurrent.futures.Future()
        future.add_done_callback(lambda f: told.set_result(routed(f.result())) if f.exception() is None
                                 else told.set_exception(f.exception()))
        return told

    def predict(self, task, checkpoint: str | None, input: Any, params: dict) -> dict:
        try:
            return self.submit(task, checkpoint, input, params).result()
        except ZooError as exc:
            return {"error": str(exc)}

    def stream(self, task, checkpoint: str | None, input: Any, params: dict) -> Iterator[dict]:
        """Growing results; raises ``ZooError`` for a bad request or a failure (closing the
        iterator frees the stream at the next step)."""
        self.inflight.refuse_if_closing()
        checkpoint, routed = route(task, checkpoint, input, params)
        if not getattr(task, "batches_streams", False):
            steps = self._stream_alone(task, checkpoint, input, params)
        else:
            steps = self._for(task, checkpoint, StreamEngine).open(input, params)
        return steps if routed is None else map(routed, steps)

    def _stream_alone(self, task, checkpoint, input, params) -> Iterator[dict]:
        """A streaming task without sequences: its generator runs in the caller's thread, one
        slot held per update."""
        params = task.coerce_params(params)
        task.validate(input)
        self.inflight.enter()
        try:
            steps = self._load(task, checkpoint).stream(input, **params)
            while True:
                with self.slots:
                    result = next(steps, None)
                if result is None:
                    return
                yield result
        finally:
            self.inflight.leave()

    def drain(self, timeout: float) -> bool:
        """Refuse new work and wait (at most ``timeout`` s) for what is in flight; True if all finished."""
        self.inflight.closing = True
        return self.inflight.wait_idle(timeout)


def route(task, checkpoint: str | None, input: Any, params: dict):
    """``(checkpoint, routed)``: the checkpoint to use, and for one the task chose
    (``Task.route``, asked when no checkpoint or ``auto`` is named) a function that names it in
    the result and says why; else the checkpoint as given and None."""
    if checkpoint not in (None, "", task.AUTO) or not task.routes():
        return (None if checkpoint == task.AUTO else checkpoint), None
    from .plugins import registry

    # The registered checkpoints, as zoo.pipelines resolves them (an unregistered task: its own).
    ids = [c.id for c in (registry().checkpoints.get(task.name) or task.checkpoints)]
    if len(ids) < 2:  # nothing to choose between: no need to read the input twice
        return None, None
    try:
        chosen = task.route(input, params, ids)
    except Exception:  # a bad input: the pipeline will say what is wrong with it
        log.debug("%s: route failed", task.name, exc_info=True)
        chosen = None
    if chosen is None:
        return None, None
    ckpt, why = chosen

    def routed(result: dict) -> dict:
        if not isinstance(result, dict) or result.get("error"):
            return result
        return {**result, "checkpoint": ckpt, "notices": [*result.get("notices", []), f"checkpoint {ckpt}: {why}"]}

    return ckpt, routed


_shared: Scheduler | None = None
_shared_lock = threading.Lock()


def use_remote(remote: dict[str, tuple[Any, int]]) -> None:
    """Serve these tasks' default checkpoints from elsewhere: {task: (pipeline-like, replicas)}."""
    scheduler().remote.update(remote)


def scheduler() -> Scheduler:
    """The process's scheduler, loading pipelines with ``zoo.pipelines.pipeline``."""
    global _shared
    with _shared_lock:
        if _shared is None:
            from .devices import resolve_device
            from .pipelines import pipeline

            _shared = Scheduler(lambda task, ckpt: pipeline(task, checkpoint=ckpt or None, device=None),
                                resolve_device(None).type)
        return _shared


__all__ = ["BusyError", "ClosingError", "DeviceSlots", "InputError", "ModelQueue", "Scheduler", "StreamEngine",
           "error_message", "scheduler"]

"""The Gradio app: one tab and one API endpoint (``/<task name>``) per discovered task.

The framework owns the wiring (checkpoint selector, JSON result, notices, dynamic batching, a
shared concurrency limit on the model device, validation before queueing); each task owns only
the components of its tab (``Task.build_tab``). Models load on first use, or all at start with
``ZOO_PRELOAD=1``.
"""
from __future__ import annotations

import contextlib
import logging
import math
import re
import signal
import threading
import time
from typing import Any

from . import __version__, settings
from .errors import ZooError
from .plugins import Registry
from .plugins import registry as load_registry
from .task import Task, default_of, in_tab_order, plain

log = logging.getLogger("zoo.app")

def _notice_md(result: dict) -> str:
    """A result's error and notices as markdown: the error a quote (styled red by ``CSS``), each
    notice a list item (amber), so the two look different in the tab and read plainly over the API."""
    lines = [f"> **Error:** {_one_line(result['error'])}", ""] if result.get("error") else []
    return "\n".join(lines + [f"- {_one_line(n)}" for n in result.get("notices") or []]).strip()


def _one_line(text) -> str:
    return " ".join(str(text).split())


# Errors and notices look different and cannot be missed: the notice under each tab quotes an
# error (red) and lists notices (amber).
CSS = """
.zoo-notice blockquote { border-left: 5px solid #dc2626; background: rgba(220, 38, 38, 0.10);
  padding: 0.7em 1em; margin: 0.4em 0; font-size: 1.05em; }
.zoo-notice blockquote, .zoo-notice blockquote strong { color: #b91c1c; }
.dark .zoo-notice blockquote, .dark .zoo-notice blockquote strong { color: #fca5a5; }
.zoo-notice ul { border-left: 5px solid #d97706; background: rgba(217, 119, 6, 0.10);
  padding: 0.5em 1em 0.5em 2em; margin: 0.4em 0; }
.zoo-overview table { font-size: 0.92em; }
/* Words break between words, not inside them ("licen ce"): a header keeps to one line. */
.zoo-overview th { white-space: nowrap; }
.zoo-overview td { overflow-wrap: normal; word-break: normal; }
/* A phone: the overview's tables scroll sideways instead of squeezing each column to a word. */
@media (max-width: 720px) {
  .zoo-overview table { display: block; overflow-x: auto; }
  .zoo-overview th, .zoo-overview td { min-width: 8em; }
  .zoo-overview td:nth-child(2) { min-width: 15em; }
}
.zoo-clamp-note { color: #b45309; font-size: 0.9em; padding: 0.2em 0; }
"""
# A number typed outside a slider's or number box's range: Gradio would use the nearest bound and
# still show what was typed. Show the value used, and say so beside the box.
JS = """() => {
  document.addEventListener('change', (event) => {
    const box = event.target;
    if (!(box instanceof HTMLInputElement) || box.type !== 'number' || box.value === '') return;
    const value = Number(box.value), low = box.min === '' ? -Infinity : Number(box.min),
          high = box.max === '' ? Infinity : Number(box.max);
    const block = box.closest('.block') || box.parentElement;
    let note = block.querySelector(':scope .zoo-clamp-note');
    if (value >= low && value <= high) { if (note) note.remove(); return; }
    const used = value < low ? low : high;
    box.value = String(used);
    // A number box takes its value from 'input' events (a slider's box from this 'change'): send one,
    // so the value used is the value sent.
    box.dispatchEvent(new Event('input', {bubbles: true}));
    if (!note) { note = document.createElement('div'); note.className = 'zoo-clamp-note'; block.appendChild(note); }
    note.textContent = `${value} is ${value < low ? 'below the minimum' : 'above the maximum'}: ${used} is used.`;
  }, true);
}"""
# After a run, bring an error into view if it is below the fold (no server call).
_SHOW_ERROR_JS = """() => { const e = document.querySelector('#%s-notice blockquote');
  if (e) e.scrollIntoView({block: 'nearest', behavior: 'smooth'}); }"""


_PATHS = re.compile(r"(?:[A-Za-z]:)?(?:/[\w.@+-]+){2,}/?")


def public(text: str) -> str:
    """A message as a visitor may see it: server file paths reduced to their last part."""
    return _PATHS.sub(lambda m: "\u2026/" + m.group(0).rstrip("/").rsplit("/", 1)[-1], text)


def _request(task: Task, tab, values: tuple) -> tuple[Any, dict, str | None]:
    *component_values, checkpoint = values
    input, params = tab.to_request(*component_values)
    return input, params, checkpoint


def _outputs(tab, result: dict) -> tuple:
    if result.get("error"):
        result = {**result, "error": public(str(result["error"]))}
        values = (None,) * len(tab.outputs)
    else:
        values = tuple(tab.to_outputs(result))
    return (*values, result, _notice_md(result))


def _submit(task: Task, tab, row: tuple):
    """One request's future from the scheduler, or its error result at once: a ``Refused`` value,
    bad input, a busy model, or a bug in ``to_request``, all this request's alone."""
    from .scheduler import error_message, scheduler

    try:
        refused = next((v for v in row if isinstance(v, Refused)), None)
        if refused is not None:
            raise ZooError(refused.message)
        input, params, checkpoint = _request(task, tab, row)
        return scheduler().submit(task, checkpoint, input, params)
    except Exception as exc:
        if not isinstance(exc, ZooError):
            log.error("%s: request failed before the model", task.name, exc_info=exc)
        return {"error": error_message(exc)}


def _answer(tab, pending) -> tuple:
    return _outputs(tab, pending if isinstance(pending, dict) else pending.result())


def make_request_fn(task: Task, tab):
    """One request: checked alone, then answered by the scheduler in a batch with whatever else is
    waiting for the same model (``zoo.scheduler``). A bad or failing request gets its own
    ``{"error": message}`` result (a notice in the tab; empty outputs); nobody else sees it."""

    def run(*values):
        return _answer(tab, _submit(task, tab, values))

    return run


def make_batch_fn(task: Task, tab):
    """Gradio's batch of requests (``batch=True``), each handed to the scheduler on its own: a
    ``Refused`` value or a bad request is that request's error, and no one else's."""

    def run(*columns):
        pending = [_submit(task, tab, row) for row in zip(*columns)]  # all queued before any wait
        return [list(col) for col in zip(*(_answer(tab, p) for p in pending))]

    return run


class _StopButtons:
    """Stop pressed in a browser session: that session's running streams of that task end at their
    next update, keeping what they made, with a notice saying so. (Gradio's own cancel would end
    them too, but shows an error badge on every output.)"""

    def __init__(self):
        self._lock = threading.Lock()
        self._running: dict[tuple[str, str], set[threading.Event]] = {}

    @contextlib.contextmanager
    def running(self, key: tuple[str, str] | None):
        event = threading.Event()
        if key is None:  # an API call: its client cancels or disconnects instead
            yield event
            return
        with self._lock:
            self._running.setdefault(key, set()).add(event)
        try:
            yield event
        finally:
            with self._lock:
                events = self._running.get(key, set())
                events.discard(event)
                if not events:
                    self._running.pop(key, None)

    def press(self, key: tuple[str, str]) -> int:
        with self._lock:
            events = list(self._running.get(key, ()))
        for event in events:
            event.set()
        return len(events)


STOP_BUTTONS = _StopButtons()
STOPPED = "stopped: the output is what was made before you pressed Stop"


def _session_key(task: Task, request) -> tuple[str, str] | None:
    session = getattr(request, "session_hash", None)
    return (task.name, session) if session else None


def make_stream_fn(task: Task, tab):
    """A stream: growing results from the scheduler's stream engine (continuous batching for tasks
    that batch streams). Closing the generator (a disconnect, a client's cancel) or the tab's Stop
    button frees the stream at once."""

    from .scheduler import error_message, scheduler

    def run(*values, request=None):
        try:
            refused = next((v for v in values if isinstance(v, Refused)), None)
            if refused is not None:
                raise ZooError(refused.message)
            input, params, checkpoint = _request(task, tab, values)
            stream = scheduler().stream(task, checkpoint, input, params)
            try:
                last = None
                with STOP_BUTTONS.running(_session_key(task, request)) as stopped:
                    for result in stream:
                        if last is not None and "progress" in last:  # still preparing: say how far
                            shown = _outputs(tab, {**last, "notices": [last["progress"]]})
                            yield (*shown[:-2], None, shown[-1])
                        elif last is not None:
                            # The result JSON and the notice come with the last update only; until
                            # then they stay empty, which Gradio's diff of successive updates sends
                            # as nothing. (Not gr.skip(): Gradio rebuilds a component for every update
                            # dict, about as costly for the server as a batched step of 8 streams.)
                            yield (*_outputs(tab, last)[:-2], None, "")
                        last = result
                        if stopped.is_set():
                            break
                    if last is not None and stopped.is_set():
                        last = {**last, "stopped": True, "notices": [*last.get("notices", []), STOPPED]}
                if last is not None:
                    yield _outputs(tab, last)
            finally:
                stream.close()
        except Exception as exc:  # bad input, or a checkpoint or device problem: this request's error result
            if not isinstance(exc, ZooError):
                log.error("%s: stream failed", task.name, exc_info=exc)
            yield _outputs(tab, {"error": error_message(exc)})

    return run


class Refused:
    """A component value that cannot be used, in place of the value (batched events): the
    request it belongs to gets ``message`` as its error, and the others in its batch go on."""

    def __init__(self, message: str):
        self.message = message


def _guard_inputs(gr, components: list, names: list[str]) -> None:
    """Check each value before the zoo sees it, with a message naming the input by its API name
    (``seed``, not the label ``seed (-1: random)``, so a caller of the API can find it): Gradio turns a
    number sent to a text box into its ``str()`` and reports a string sent to a slider only as an
    unnamed server error. A bad value becomes a ``Refused`` in its place, which makes it that
    request's error result (Gradio preprocesses a batch row by row, and one raise would fail
    every request in it)."""
    for comp, label in zip(components, names):
        kind = "text" if isinstance(comp, gr.Textbox) else "number" if isinstance(comp, (gr.Number, gr.Slider)) else None
        lo, hi = getattr(comp, "minimum", None), getattr(comp, "maximum", None)
        span = f" from {plain(lo)} to {plain(hi)}" if lo is not None and hi is not None else ""
        # A slider stepping by whole numbers (or a Number of precision 0) takes whole numbers, as the
        # parameter behind it does from Python and the CLI: 20.5 is refused, not rounded.
        step = (getattr(comp, "step", None) if isinstance(comp, gr.Slider)
                else 1 if getattr(comp, "precision", None) == 0 else None)
        whole = step is not None and float(step).is_integer() and (lo is None or float(lo).is_integer())
        original = comp.preprocess

        def check(payload, _orig=original, _label=label, _kind=kind, _span=span, _whole=whole):
            if payload is not None and _kind == "text" and not isinstance(payload, str):
                raise gr.Error(f"{_label!r} must be text (a string), got {type(payload).__name__}")
            if _kind == "number" and (isinstance(payload, bool) or not isinstance(payload, (int, float))
                                      or not math.isfinite(payload) or (_whole and not float(payload).is_integer())):
                got = "nothing" if payload is None else f"{type(payload).__name__} {str(payload)[:40]!r}"
                raise gr.Error(f"{_label!r} must be a {'whole ' if _whole else ''}number{_span}, got {got}")
            try:
                return _orig(payload)
            except gr.Error as exc:  # Gradio's own check ("Value 99 is greater than maximum value 95."): name it
                raise gr.Error(f"{_label!r}: {exc.message}") from None
            except Exception as exc:
                raise gr.Error(f"{_label!r}: this value cannot be used ({type(exc).__name__})") from None

        def preprocess(payload, _check=check):
            try:
                return _check(payload)
            except gr.Error as exc:
                return Refused(str(exc.message))

        comp.preprocess = preprocess


def _document_free_dropdowns(gr, components: list) -> None:
    """Gradio documents a dropdown that takes any value (``allow_custom_value``) as taking only its
    choices: ``Literal[]`` for one whose choices come later (a CSV's columns). It takes a string."""
    for comp in components:
        if isinstance(comp, gr.Dropdown) and comp.allow_custom_value and not comp.multiselect:
            comp.api_info = lambda: {"type": "string"}


def _takes_files(comp) -> bool:
    from gradio.data_classes import FileData, ListFiles

    model = getattr(comp, "data_model", None)
    return isinstance(model, type) and issubclass(model, (FileData, ListFiles))


def _api_names(components: list, taken: set[str]) -> list[str]:
    """Parameter names for the API docs and gradio_client keywords, from component labels."""
    import re

    names = []
    for i, comp in enumerate(components):
        base = re.sub(r"\W+", "_", str(getattr(comp, "label", "") or "").split("(")[0].strip().lower()).strip("_")
        name = base if base.isidentifier() and base not in taken else f"{base or 'input'}_{i}"
        taken.add(name)
        names.append(name)
    return names


def _named(fn, names: list[str], optional_from: int | None = None):
    """Give ``fn(*values)`` a signature with these names (Gradio documents the API from it). A
    generator function also gets the request (``request=``: whose Stop button is whose).

    From ``optional_from`` (the first file upload) on, each defaults to None: an upload has no
    value, so gradio_client would otherwise demand it even where the task reads another source;
    the inputs after it that have a value keep it as their client default (Gradio's rule), and
    the ones before it stay as Gradio documents them (a text box without a value: required)."""
    import functools
    import inspect

    import gradio as gr

    first = len(names) if optional_from is None else optional_from
    params = [inspect.Parameter(n, inspect.Parameter.POSITIONAL_OR_KEYWORD,
                                **({"default": None} if i >= first else {})) for i, n in enumerate(names)]
    if inspect.isgeneratorfunction(fn):  # Gradio streams only what looks like a generator function
        @functools.wraps(fn)
        def wrapper(*args):  # Gradio puts the request last, where the signature asks for it
            yield from fn(*args[:-1], request=args[-1])

        params.append(inspect.Parameter("request", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=gr.Request,
                                        **({"default": None} if first < len(names) else {})))
        wrapper.__annotations__ = {"request": gr.Request}  # Gradio finds the request by this annotation
    else:
        @functools.wraps(fn)
        def wrapper(*args):
            return fn(*args)

    wrapper.__signature__ = inspect.Signature(params)
    return wrapper


# Requests of an unbatched event (streams, file uploads) Gradio runs at a time; each mostly waits
# for the scheduler, which does the batching.
EVENT_CONCURRENCY = 64


def _build_task_tab(gr, task: Task, reg: Registry) -> None:
    from . import overview

    checkpoints = reg.checkpoints.get(task.name, [])
    default = default_of(checkpoints)
    gr.Markdown(task.description)
    choices = [(f"{c.id}: {c.description}" if c.description else c.id, c.id) for c in checkpoints]
    cards = {c.id: overview.card_text(reg, task.name, c.id) for c in checkpoints}  # local files, read once
    first = default.id if default else None
    if task.routes() and len(checkpoints) > 1:  # the task picks one per input; the result says which and why
        choices.insert(0, (f"{task.AUTO}: chosen for each input (the result names it)", task.AUTO))
        cards[task.AUTO] = ("The checkpoint is chosen for each input; the notice under the result names it and "
                            "says why. Pick one above to see its card.")
        first = task.AUTO
    checkpoint = gr.Dropdown(choices=choices, value=first, label="Checkpoint", interactive=len(checkpoints) > 1,
                             elem_id=f"{task.name}-checkpoint")
    with gr.Accordion("Model card of this checkpoint", open=False, elem_id=f"{task.name}-card-box"):
        card = gr.Markdown(cards.get(first, "") if first else "", elem_id=f"{task.name}-card")
    checkpoint.change(lambda c: cards.get(c, ""), inputs=checkpoint, outputs=card, queue=False,
                      api_visibility="private")
    tab = task.build_tab(gr)
    notice = gr.Markdown(label="notice", elem_id=f"{task.name}-notice", elem_classes=["zoo-notice"])
    with gr.Accordion("JSON result (the API's second-to-last output)", open=False):
        raw = gr.JSON(label="result", elem_id=f"{task.name}-json")
    inputs = [*tab.inputs, checkpoint]
    outputs = [*tab.outputs, raw, notice]
    # Button, Enter in a one-line box or Shift+Enter in a multi-line one, and a new checkpoint
    # all run the model, so what is shown always answers what is in the inputs.
    # .input, not .change: an example that names its checkpoint sets it, and runs once, as examples do.
    triggers = [checkpoint.input]
    if tab.submit is not None:
        triggers.append(tab.submit.click)
    if tab.inputs and isinstance(tab.inputs[0], gr.Textbox):
        triggers.append(tab.inputs[0].submit)
    names = _api_names(inputs, set())
    # Gradio's batch=True hands over the requests waiting for an event in one call, which saves
    # most of Gradio's cost per request (sentiment API: 105.9 requests/s vs 42.9 with one event
    # per request; BENCHMARKS.md). It is safe
    # only because no value check raises (a bad value is that request's error: _guard_inputs) and
    # the scheduler answers each request on its own. Not for streams (generators) and not for
    # file inputs: Gradio checks an upload's path for the whole batch before any hook of ours.
    uploads = [i for i, c in enumerate(inputs) if _takes_files(c)]
    batched = not task.streaming and not uploads
    _guard_inputs(gr, inputs, names)
    _document_free_dropdowns(gr, inputs)
    if task.streaming:
        fn = make_stream_fn(task, tab)
    else:
        fn = make_batch_fn(task, tab) if batched else make_request_fn(task, tab)
    # A batched event runs one Gradio batch at a time: whatever arrives meanwhile forms the next
    # (more at once measured 1.6x slower: small batches, each paying Gradio's overhead).
    common = dict(fn=_named(fn, names, uploads[0] if uploads else None), inputs=inputs, outputs=outputs,
                  concurrency_id=f"task-{task.name}",
                  batch=batched, max_batch_size=settings.max_batch_size() if batched else 4,
                  concurrency_limit=1 if batched else EVENT_CONCURRENCY)
    # An error or notice belongs to the inputs it answered: gone as soon as they change or a run
    # starts. (Registered before the run: the browser runs a trigger's events in this order.)
    gr.on(triggers=[*(c.change for c in tab.inputs if hasattr(c, "change")), *triggers], fn=None,
          js="() => ''", outputs=[notice], queue=False, api_visibility="private")
    if tab.stop is not None:
        # Stop ends this session's streams of this task at their next update (the work on the server too).
        def press_stop(request: gr.Request):
            STOP_BUTTONS.press(_session_key(task, request))

        press_stop.__annotations__ = {"request": gr.Request}  # resolved: Gradio injects the request by it
    restarts = task.streaming and tab.stop is not None
    if restarts:
        # Generate while a stream runs: that stream stops at its next update, keeping its text, and
        # the new one starts once it has (Gradio's default ignored the click).
        gr.on(triggers=triggers, fn=press_stop, queue=False, api_visibility="private")
    events = [gr.on(triggers=triggers, api_name=task.name, trigger_mode="always_last" if restarts else None, **common)]
    if tab.examples:
        # A row one longer than the inputs ends with the checkpoint it belongs to.
        with_checkpoint = any(len(row) == len(tab.inputs) + 1 for row in tab.examples)
        rows = [list(row) + ([first] if with_checkpoint and len(row) == len(tab.inputs)
                             else []) for row in tab.examples]
        examples = gr.Examples(examples=rows, inputs=tab.inputs + ([checkpoint] if with_checkpoint else []),
                               label="Examples (click one to run it)")
        events.append(examples.load_input_event.then(api_visibility="private", **common))
    for event in events:
        event.then(fn=None, js=_SHOW_ERROR_JS % task.name)
    for view in tab.views:
        _wire_view(view, raw, task.name)
    if tab.stop is not None:
        tab.stop.click(fn=press_stop, queue=False, api_visibility="private")


_VIEW_SLOTS = threading.BoundedSemaphore(2)  # redraws at once, across all views and sessions
MAX_VIEW_RESULT_BYTES = 2_000_000  # a result the page shows is far smaller; anything bigger was made up


def _wire_view(view, raw, task_name: str) -> None:
    """A View redraws from the JSON result already on the page, without the model. It runs in the
    queue under a small limit of its own, and a result too large to have come from the app is
    refused: the result comes from the client, which may send anything."""
    import json

    def redraw(result, *values):
        if not _VIEW_SLOTS.acquire(timeout=5):  # Gradio's limits do not cover /run calls: ours do
            return (None,) * len(view.outputs) if len(view.outputs) > 1 else None
        try:
            if not isinstance(result, dict) or "error" in result:
                out = tuple(None for _ in view.outputs)
            elif len(json.dumps(result, default=str)) > MAX_VIEW_RESULT_BYTES:
                raise ZooError("this result is too large to draw")
            else:
                out = tuple(view.render(result, *values))
        except Exception as exc:
            out = tuple(None for _ in view.outputs)
            log.info("%s: view not drawn: %s", task_name, exc)
        finally:
            _VIEW_SLOTS.release()
        return out[0] if len(out) == 1 else out  # Gradio takes one output's value bare

    for control in view.controls:
        control.input(redraw, inputs=[raw, *view.controls], outputs=view.outputs, api_visibility="private",
                      concurrency_id="views", concurrency_limit=2)


def build_app(reg: Registry | None = None):
    """The Blocks app: one tab and one endpoint per task; requests go through ``zoo.scheduler``."""
    import gradio as gr

    serve_settings()
    reg = reg or load_registry()
    with gr.Blocks(title="LSTM Zoo", delete_cache=(600, 1800)) as demo:
        gr.Markdown(f"# LSTM Zoo\nTry, compare and call LSTM models: {_count(len(reg.tasks), 'task')} with "
                    f"{_count(sum(map(len, reg.checkpoints.values())), 'checkpoint')}, each with its model card "
                    f"and test figures. v{__version__}.")
        if reg.failures:
            lines = [f"- plugin `{p.name}` ({p.source}): {_one_line(public(str(p.error)))}" for p in reg.failures]
            gr.Markdown("**Some plugins could not be loaded; everything else works.**\n" + "\n".join(lines),
                        elem_id="plugin-notices", elem_classes=["zoo-notice"])
        if not reg.tasks:
            gr.Markdown("No tasks are registered. Check `python -m zoo plugins`.")
        with gr.Tabs():
            with gr.Tab("Overview", id="overview", elem_id="tab-overview") as overview_tab:
                table, refresh = _build_overview_tab(gr, reg)
            for task in in_tab_order(reg.tasks.values()):
                with gr.Tab(task.title, id=task.name, elem_id=f"tab-{task.name}"):
                    try:
                        _build_task_tab(gr, task, reg)
                    except Exception as exc:  # a broken tab must not take the app down
                        if settings.strict_plugins():
                            raise
                        log.exception("tab for task %r failed to build", task.name)
                        gr.Markdown(f"**This tab failed to build:** `{type(exc).__name__}: {public(str(exc))}`")
        for trigger in (demo.load, overview_tab.select):
            trigger(refresh, outputs=table, queue=False, api_visibility="private")
    demo.queue(default_concurrency_limit=EVENT_CONCURRENCY)
    return demo


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _build_overview_tab(gr, reg: Registry):
    """Every task and checkpoint, how good each is and where it was loaded from; any card a click away.
    ``/overview`` returns the same as JSON."""
    from . import overview

    table = gr.Markdown(overview.markdown(reg, overview.entries(reg)), elem_id="overview-table",
                        elem_classes=["zoo-overview"])
    choices = [(f"{t.title}: {c.id}", f"{t.name}:{c.id}")
               for t in in_tab_order(reg.tasks.values()) for c in reg.checkpoints.get(t.name, [])]
    pick = gr.Dropdown(choices, value=choices[0][1] if choices else None, label="Model card of",
                       elem_id="overview-card-pick")
    cards = {key: overview.card_text(reg, *key.split(":", 1)) for _, key in choices}
    card = gr.Markdown(cards.get(pick.value, ""), elem_id="overview-card")
    pick.change(lambda key: cards.get(key, ""), inputs=pick, outputs=card, queue=False, api_visibility="private")

    def refresh():  # "loaded from" changes as models load
        return overview.markdown(reg, overview.entries(reg))

    def describe() -> list[dict]:
        """Every registered checkpoint: task, id, default, repo_id, revision, license, datasets,
        metrics and same-run baselines, and where this process loaded it from."""
        return overview.entries(reg)

    gr.api(describe, api_name="overview")
    return table, refresh


def preload(reg: Registry) -> None:
    """Load every task's default checkpoint (ZOO_PRELOAD=1), reporting failures, not raising."""
    from .pipelines import pipeline

    for task in reg.tasks.values():
        try:
            pipeline(task, None, device=None)
        except ZooError as exc:
            log.error("preloading %s failed: %s", task.name, exc)


def serve_settings() -> None:
    """Process-wide settings for serving, applied once at start (``python app.py``, a Space, tests)."""
    import os

    import torch
    from threadpoolctl import threadpool_limits

    # One thread per op, for torch and for numpy/scipy's BLAS alike (statsmodels' baselines): with
    # two, every op waits for its slower thread, and one busy process beside the app cut the speed
    # of each to a quarter or less (BENCHMARKS.md, serving). Requests of different models use the
    # other cores. OpenBLAS libraries loaded later read the variable.
    torch.set_num_threads(settings.torch_threads())
    os.environ.setdefault("OPENBLAS_NUM_THREADS", str(settings.torch_threads()))
    threadpool_limits(limits=settings.torch_threads(), user_api="blas")
    _said_errors()
    # Gradio keeps timing records of the last N events for its monitoring page (10,000 by default).
    os.environ.setdefault("GRADIO_ANALYTICS_MAX_EVENTS", "500")
    _lazy_session_configs()
    _no_deep_links()
    _bound_malloc()


DEEP_LINK_ROUTE = "/gradio_api/deep_link"


def _no_deep_links() -> None:
    """Gradio serves ``/gradio_api/deep_link``, which writes a ``state.json`` for any known session
    into the upload folder and never deletes it (not bounded by ``delete_cache``). The app offers
    no deep links, so the route is taken out of every app Gradio creates."""
    import gradio.routes

    original = gradio.routes.App.create_app
    if getattr(original, "zoo_no_deep_links", False):
        return

    def create_app(*args, **kwargs):
        app = original(*args, **kwargs)
        app.router.routes = [r for r in app.router.routes if getattr(r, "path", None) != DEEP_LINK_ROUTE]
        return app

    create_app.zoo_no_deep_links = True
    gradio.routes.App.create_app = staticmethod(create_app)


def _lazy_session_configs() -> None:
    """A new Gradio session (every API call without a session of its own) builds the config of
    every component of every tab up front, only for deep links, which this app does not offer:
    8-10 ms of the event loop per call, holding Python's lock while the models wait for it. Each
    session builds a component's config when it first uses that component instead."""
    import gradio.state_holder

    if getattr(gradio.state_holder.SessionState, "zoo_lazy", False):
        return

    class _Unbuilt:  # what SessionState.__init__ reads of the Blocks, with no blocks to build configs for
        def __init__(self, blocks):
            self.default_config, self.blocks = blocks.default_config, {}

    class LazySessionState(gradio.state_holder.SessionState):
        zoo_lazy = True

        def __init__(self, blocks):
            super().__init__(_Unbuilt(blocks))

    gradio.state_holder.SessionState = LazySessionState


_TOO_FEW = re.compile(r"didn't receive enough input values \(needed: (\d+), got: (\d+)\)")


def _gradio_error(error: BaseException) -> str:
    """An exception of Gradio's own, in a line a caller can act on: no object reprs or addresses."""
    text = str(error)
    few = _TOO_FEW.search(text)
    if few:
        return (f"the request sent {few.group(2)} input value(s) and this endpoint takes {few.group(1)}, in the "
                "order its API page lists them (gradio_client fills in the defaults of those left out)")
    first = re.sub(r"<[^<>]* at 0x[0-9a-f]+>", "<...>", text.strip().split("\n", 1)[0])
    hint = " (did the request send its input values, in the order the API page lists them?)" if isinstance(
        error, IndexError) else ""  # Gradio's answer to {"data": []}
    return f"{type(error).__name__}: {first}"[:300] + hint


def _said_errors() -> None:
    """Gradio sends ``{"error": null}`` for an exception of its own (an upload path that was never
    uploaded, say) unless ``show_error``, which would also send any message unfiltered. The app's
    own errors are ``gr.Error``s; for the rest, the message goes out with server paths removed."""
    import gradio.queueing
    import gradio.utils

    original = gradio.utils.error_payload
    if getattr(original, "zoo_public", False):
        return

    def error_payload(error, show_error):
        content = original(error, show_error)
        if content.get("error") is None and error is not None:
            content["error"] = public(_gradio_error(error))
        return content

    error_payload.zoo_public = True
    gradio.utils.error_payload = gradio.queueing.error_payload = error_payload


_trimmer: threading.Thread | None = None


def _bound_malloc() -> None:
    """glibc gives every thread that allocates its own arena (up to 8 per core) and keeps freed
    memory in them: many request threads make RSS creep. Fewer arenas, and freed memory handed back
    to the system once a minute. Linux/glibc only; elsewhere nothing happens."""
    global _trimmer
    import ctypes

    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(-8, 2)  # M_ARENA_MAX
    except (OSError, AttributeError):
        return
    if _trimmer is None:
        def trim():
            while True:
                time.sleep(60)
                libc.malloc_trim(0)

        _trimmer = threading.Thread(target=trim, name="zoo-malloc-trim", daemon=True)
        _trimmer.start()


def main() -> None:
    settings.setup_logging("INFO", timestamps=True)
    reg = load_registry()
    demo = build_app(reg)
    if settings.preload():
        threading.Thread(target=preload, args=(reg,), daemon=True).start()
    _drain_on_sigterm(demo)
    demo.launch(ssr_mode=False, **launch_options())


def launch_options() -> dict:
    """What every launch of the app passes: bounded uploads and threads."""
    return dict(css=CSS, js=JS, max_file_size=f"{settings.max_upload_mb()}mb", max_threads=4 * EVENT_CONCURRENCY,
                # Gradio keeps each session's last inputs and outputs; bound how many sessions.
                state_session_capacity=settings.max_sessions(), show_error=False)


def _drain_on_sigterm(demo) -> None:
    """SIGTERM (a Space restarting, ``docker stop``): take no new requests, let those in flight
    finish (at most ZOO_DRAIN_SECONDS), then exit."""
    import sys

    from .scheduler import scheduler

    def handle(signum, frame):
        sched, limit = scheduler(), settings.drain_seconds()
        queue = getattr(demo, "_queue", None)  # Gradio has no drain: a full queue refuses new jobs
        waiting = lambda: (len(queue) + queue.get_active_worker_count()) if queue is not None else 0  # noqa: E731
        log.warning("SIGTERM: taking no new requests; waiting up to %.0f s for %d in flight", limit,
                    max(waiting(), sched.inflight.count))
        if queue is not None:
            queue.max_size = 0
        deadline = time.monotonic() + limit
        while waiting() and time.monotonic() < deadline:
            time.sleep(0.05)
        finished = sched.drain(max(0.0, deadline - time.monotonic())) and not waiting()
        time.sleep(0.5)  # the last answers are still on their way to the clients
        log.warning("SIGTERM: %s; exiting", "all requests finished" if finished
                    else f"{max(waiting(), sched.inflight.count)} request(s) still running after {limit:.0f} s")
        try:
            demo.close()
        finally:
            sys.exit(0)

    signal.signal(signal.SIGTERM, handle)

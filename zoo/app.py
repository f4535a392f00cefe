"""The Gradio app: one tab and one API endpoint (``/<task name>``) per discovered task.

The framework owns the wiring (checkpoint selector, JSON result, notices, dynamic batching, a
shared concurrency limit on the model device, validation before queueing); each task owns only
the components of its tab (``Task.build_tab``). Models load on first use, or all at start with
``ZOO_PRELOAD=1``.
"""
from __future__ import annotations

import logging
import os
import threading
from typing import Any

from . import __version__
from .errors import InputError, ZooError
from .plugins import Registry, registry as load_registry
from .task import Task

log = logging.getLogger("zoo.app")

def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    try:
        value = int(raw) if raw else default
    except ValueError:
        raise SystemExit(f"{name}={raw!r}: expected a whole number >= 1") from None
    if value < 1:
        raise SystemExit(f"{name}={raw!r}: expected a whole number >= 1")
    return value


MAX_BATCH_SIZE = _env_int("ZOO_MAX_BATCH_SIZE", 32)
# One model device: requests of all tasks queue for it together (CPU threads or one GPU).
CONCURRENCY_ID = "model-device"
CONCURRENCY_LIMIT = _env_int("ZOO_CONCURRENCY", 1)


def _pipeline(task: Task, checkpoint: str | None):
    from .pipelines import pipeline

    return pipeline(task, checkpoint=checkpoint or None, device=None)


def _notice_md(result: dict) -> str:
    notes = result.get("notices") or []
    if result.get("error"):
        notes = [f"Error: {result['error']}"] + list(notes)
    return "\n".join(f"- {n}" for n in notes)


def _request(task: Task, tab, values: tuple) -> tuple[Any, dict, str | None]:
    *component_values, checkpoint = values
    input, params = tab.to_request(*component_values)
    return input, task.coerce_params(params), checkpoint


def make_batch_fn(task: Task, tab):
    """A Gradio ``batch=True`` function: groups requests by (checkpoint, params) and runs each
    group as one ``Pipeline.batch`` call. A bad request gets its own result ``{"error": msg}``
    (shown as a notice; empty component outputs), so it never fails the others in its batch."""

    def run(*columns):
        rows = list(zip(*columns))
        results: list[dict | None] = [None] * len(rows)
        groups: dict[tuple, list[int]] = {}
        requests = []
        for i, row in enumerate(rows):
            try:
                requests.append(_request(task, tab, row))
                key = (requests[-1][2], tuple(sorted(requests[-1][1].items())))
                groups.setdefault(key, []).append(i)
            except InputError as exc:
                requests.append(None)
                results[i] = {"error": str(exc)}
        for (checkpoint, params), idx in groups.items():
            try:
                pipe = _pipeline(task, checkpoint)
            except ZooError as exc:  # e.g. a checkpoint that fails to load: say so in each answer
                for i in idx:
                    results[i] = {"error": str(exc)}
                continue
            inputs = [requests[i][0] for i in idx]
            try:
                outs = pipe.batch(inputs, **dict(params))
            except InputError:
                outs = []
                for x in inputs:
                    try:
                        outs.append(pipe(x, **dict(params)))
                    except InputError as exc:
                        outs.append({"error": str(exc)})
            for i, out in zip(idx, outs):
                results[i] = out
        n_out = len(tab.outputs)
        columns_out: list[list] = [[] for _ in range(n_out + 2)]
        for result in results:
            values = (None,) * n_out if "error" in result else tuple(tab.to_outputs(result))
            for col, value in zip(columns_out, (*values, result, _notice_md(result))):
                col.append(value)
        return columns_out

    return run


def make_stream_fn(task: Task, tab):
    import gradio as gr

    def run(*values):
        try:
            input, params, checkpoint = _request(task, tab, values)
            pipe = _pipeline(task, checkpoint)
            for result in pipe.stream(input, **params):
                yield (*tab.to_outputs(result), result, _notice_md(result))
        except ZooError as exc:  # bad input, or a checkpoint or device problem: say what
            raise gr.Error(str(exc)) from None

    return run


def make_validator(task: Task, tab):
    """Runs before queueing, for the browser and API clients alike: bad input gets a clear
    error at once and never occupies the model device. (Streaming events only: Gradio 6.31
    passes a batched event's validator malformed inputs, so batched events report bad input
    per request in their results instead.)"""
    import gradio as gr

    def validate(*values):
        # Gradio wants one gr.validate() per input component; the message goes on the first.
        verdicts = [gr.validate(True, "") for _ in values]
        try:
            input, _, _ = _request(task, tab, values)
            task.validate(input)
        except InputError as exc:
            verdicts[0] = gr.validate(False, str(exc))
        return verdicts

    return validate


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


def _named(fn, names: list[str]):
    """Give ``fn(*values)`` a signature with these names (Gradio documents the API from it)."""
    import functools
    import inspect

    if inspect.isgeneratorfunction(fn):  # Gradio streams only what looks like a generator function
        @functools.wraps(fn)
        def wrapper(*args):
            yield from fn(*args)
    else:
        @functools.wraps(fn)
        def wrapper(*args):
            return fn(*args)

    wrapper.__signature__ = inspect.Signature(
        [inspect.Parameter(n, inspect.Parameter.POSITIONAL_OR_KEYWORD) for n in names])
    return wrapper


def _build_task_tab(gr, task: Task, reg: Registry, max_batch_size: int) -> None:
    checkpoints = reg.checkpoints.get(task.name, [])
    default = next((c for c in checkpoints if c.default), checkpoints[0] if checkpoints else None)
    gr.Markdown(task.description)
    checkpoint = gr.Dropdown(
        choices=[(f"{c.id}: {c.description}" if c.description else c.id, c.id) for c in checkpoints],
        value=default.id if default else None, label="Checkpoint", interactive=len(checkpoints) > 1,
        elem_id=f"{task.name}-checkpoint",
    )
    tab = task.build_tab(gr)
    notice = gr.Markdown(label="notice", elem_id=f"{task.name}-notice")
    with gr.Accordion("JSON result (the API's second-to-last output)", open=False):
        raw = gr.JSON(label="result", elem_id=f"{task.name}-json")
    inputs = [*tab.inputs, checkpoint]
    outputs = [*tab.outputs, raw, notice]
    # Button, Enter in a one-line box or Shift+Enter in a multi-line one, and a new checkpoint
    # all run the model, so what is shown always answers what is in the inputs.
    triggers = [checkpoint.change]
    if tab.submit is not None:
        triggers.append(tab.submit.click)
    if tab.inputs and isinstance(tab.inputs[0], gr.Textbox):
        triggers.append(tab.inputs[0].submit)
    batched = not task.streaming
    names = _api_names(inputs, set())
    fn = _named(make_batch_fn(task, tab) if batched else make_stream_fn(task, tab), names)
    common = dict(fn=fn, inputs=inputs, outputs=outputs, batch=batched,
                  max_batch_size=max_batch_size if batched else 4,
                  concurrency_id=CONCURRENCY_ID, concurrency_limit=CONCURRENCY_LIMIT)
    events = [gr.on(triggers=triggers, api_name=task.name,
                    validator=None if batched else _named(make_validator(task, tab), names), **common)]
    if tab.examples:
        examples = gr.Examples(examples=tab.examples, inputs=tab.inputs, label="Examples (click one to run it)")
        events.append(examples.load_input_event.then(api_visibility="private", **common))
    for view in tab.views:
        _wire_view(view, raw)
    if tab.stop is not None:
        # Cancelling closes the running generator on the server: the work stops, not just the display.
        tab.stop.click(fn=None, cancels=events, queue=False)


def _wire_view(view, raw) -> None:
    """A View redraws from the JSON result already on the page: no queue, no model, no API."""
    def redraw(result, *values):
        if not isinstance(result, dict) or "error" in result:
            out = tuple(None for _ in view.outputs)
        else:
            out = tuple(view.render(result, *values))
        return out[0] if len(out) == 1 else out  # Gradio takes one output's value bare

    for control in view.controls:
        control.input(redraw, inputs=[raw, *view.controls], outputs=view.outputs, queue=False,
                      api_visibility="private")


def build_app(reg: Registry | None = None, max_batch_size: int = MAX_BATCH_SIZE):
    """The Blocks app; ``max_batch_size=1`` turns dynamic batching off (benchmarks compare)."""
    import gradio as gr

    reg = reg or load_registry()
    with gr.Blocks(title="LSTM Zoo") as demo:
        gr.Markdown(f"# LSTM Zoo\nTry LSTM models for {len(reg.tasks)} task(s). v{__version__}.")
        if reg.failures:
            lines = [f"- plugin `{p.name}` ({p.source}): {p.error}" for p in reg.failures]
            gr.Markdown("**Some plugins could not be loaded; everything else works.**\n" + "\n".join(lines),
                        elem_id="plugin-notices")
        if not reg.tasks:
            gr.Markdown("No tasks are registered. Check `python -m zoo plugins`.")
        with gr.Tabs():
            for task in reg.tasks.values():
                with gr.Tab(task.title, id=task.name, elem_id=f"tab-{task.name}"):
                    try:
                        _build_task_tab(gr, task, reg, max_batch_size)
                    except Exception as exc:  # a broken tab must not take the app down
                        if os.environ.get("ZOO_STRICT_PLUGINS", "").lower() in ("1", "true", "yes"):
                            raise
                        log.exception("tab for task %r failed to build", task.name)
                        gr.Markdown(f"**This tab failed to build:** `{type(exc).__name__}: {exc}`")
    demo.queue(default_concurrency_limit=CONCURRENCY_LIMIT)
    return demo


def preload(reg: Registry) -> None:
    """Load every task's default checkpoint (ZOO_PRELOAD=1), reporting failures, not raising."""
    for task in reg.tasks.values():
        try:
            _pipeline(task, None)
        except ZooError as exc:
            log.error("preloading %s failed: %s", task.name, exc)


def main() -> None:
    logging.basicConfig(level=os.environ.get("ZOO_LOG_LEVEL", "INFO").upper(),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for noisy in ("httpx", "httpx2", "urllib3"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    reg = load_registry()
    demo = build_app(reg)
    if os.environ.get("ZOO_PRELOAD", "").lower() in ("1", "true", "yes"):
        threading.Thread(target=preload, args=(reg,), daemon=True).start()
    demo.launch(ssr_mode=False)

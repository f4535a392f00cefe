"""The task contract: what a plugin hands the zoo for each task.

A task is a small object: metadata, factories for its preprocessor and its LSTM model, batch
prediction, parameters, examples and its Gradio tab. The framework does everything else
(checkpoint resolution, devices, CLI, app wiring, conformance tests).
"""
from __future__ import annotations

import dataclasses
import inspect
import math
import numbers
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from .errors import InputError, UnsupportedVerb

# The part of this module that plugins use (docs/plugins.md, "The plugin API").
__all__ = ["Checkpoint", "Param", "Preprocessor", "StreamSequence", "Tab", "Task", "View", "check_text", "default_of",
           "run_alone", "stream_sequence"]

_KINDS = {int: "an integer", float: "a number", str: "text", bool: "true or false"}
REQUIRED_ATTRIBUTES = ("name", "title", "description")
REQUIRED_METHODS = ("build_model", "load_preprocessor", "predict_batch", "build_tab")
STAGES = ("preprocess", "forward", "postprocess")  # predict_batch, or all three of these
VERB_METHODS = {"data": "data", "train": "train", "eval": "evaluate", "bench": "bench"}  # CLI verb -> method
VERB_NOUNS = {"data": "data recipe", "train": "training recipe", "eval": "evaluation", "bench": "benchmark"}


def check_text(value: Any, what: str = "the text") -> str:
    """``value`` if it is text every component can read, else an ``InputError`` saying why: a
    number, list or dict is refused (never silently turned into its ``str()``), and so is text
    that is not valid Unicode (a lone surrogate such as ``"\\ud800"``: tokenizers and JSON fail on it)."""
    if not isinstance(value, str):
        raise InputError(f"{what} must be text (a string), got {type(value).__name__}")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        code = ord(value[exc.start])
        if 0xDC80 <= code <= 0xDCFF:  # a byte that was not UTF-8, carried through by Python's surrogateescape
            raise InputError(f"{what} is not valid UTF-8: byte 0x{code - 0xDC00:02x} at position {exc.start}; "
                             "send UTF-8 text") from None
        raise InputError(f"{what} holds an invalid character at position {exc.start} "
                         f"(U+{code:04X}, half of a UTF-16 pair); send valid UTF-8 text") from None
    return value


@dataclasses.dataclass(frozen=True)
class Checkpoint:
    """A checkpoint is a Hugging Face model repo at a pinned revision.

    ``bundled`` is a folder holding a copy of that repo at that revision (byte-identical, or at
    most with a card naming another repo id, after ``zoo publish --namespace``), used when the
    Hub cannot be reached (or with ``ZOO_WEIGHTS=bundled``). ``bundle_digest`` is that
    folder's ``zoo.checkpoint.content_revision``; it defaults to ``revision``, because a repo not
    yet published is pinned by its content digest (``python -m zoo publish`` then prints the Hub
    commit to pin, and the digest stays the bundle's check).
    """

    id: str
    repo_id: str
    revision: str
    bundled: Path | None = None
    default: bool = False
    description: str = ""
    bundle_digest: str | None = None

    @property
    def digest(self) -> str:
        """The content digest the bundled copy must have."""
        return self.bundle_digest or self.revision

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "repo_id": self.repo_id,
            "revision": self.revision,
            "bundled": str(self.bundled) if self.bundled else None,
            "default": self.default,
            "description": self.description,
            "bundle_digest": self.digest if self.bundled else None,
        }


@dataclasses.dataclass(frozen=True)
class Param:
    """A named prediction parameter, shared by the CLI (--param), Python and the HTTP API."""

    name: str
    type: type  # int, float, str or bool
    default: Any
    help: str = ""
    min: float | None = None
    max: float | None = None
    choices: Sequence[Any] | None = None

    def coerce(self, value: Any) -> Any:
        """Turn ``value`` (maybe a CLI string) into a checked value of this parameter's type: the
        same rule from Python, the CLI and the API (a whole number stays whole, never truncated;
        true/false is not a number; a list is not text)."""
        if value is None:
            return self.default
        given = value
        try:
            if self.type is bool:
                if isinstance(value, str):
                    low = value.strip().lower()
                    if low not in ("1", "0", "true", "false", "yes", "no"):
                        raise ValueError(value)
                    value = low in ("1", "true", "yes")
                elif isinstance(value, numbers.Integral) and value in (0, 1):
                    value = bool(value)
                else:
                    raise ValueError(value)
            elif self.type in (int, float):
                if isinstance(value, bool) or not isinstance(value, (numbers.Real, str)):  # numpy's numbers too
                    raise ValueError(value)
                number = float(value)
                if not math.isfinite(number) or (self.type is int and not number.is_integer()):
                    raise ValueError(value)
                value = int(number) if self.type is int else float(number)
            elif self.type is str:
                if not isinstance(value, str):
                    raise ValueError(value)
            else:
                value = self.type(value)
        except (TypeError, ValueError, OverflowError):
            span = f" from {plain(self.min)} to {plain(self.max)}" if self.min is not None and self.max is not None else ""
            kind = {int: "a whole number", float: "a finite number"}.get(self.type) or _KINDS.get(
                self.type, "a " + self.type.__name__)
            raise InputError(f"parameter {self.name!r} must be {kind}{span}, got {given!r}") from None
        if self.min is not None and value < self.min:
            raise InputError(f"parameter {self.name!r} must be >= {self.min}, got {value!r}")
        if self.max is not None and value > self.max:
            raise InputError(f"parameter {self.name!r} must be <= {self.max}, got {value!r}")
        if self.choices is not None and value not in self.choices:
            raise InputError(f"parameter {self.name!r} must be one of {list(self.choices)}, got {value!r}")
        return value


@dataclasses.dataclass
class Tab:
    """What a task's ``build_tab`` returns: its components and how to convert to and from them.

    ``to_request(*input_values) -> (input, params)`` and ``to_outputs(result) -> tuple``.
    The framework adds the checkpoint selector, the JSON result, notices, batching and the API
    endpoint named after the task.
    """

    inputs: list
    outputs: list
    to_request: Callable[..., tuple[Any, dict]]
    to_outputs: Callable[[dict], tuple]
    submit: Any = None  # the button that runs it; (Shift+)Enter in a first Textbox also runs it
    # Rows of input-component values; a row one value longer ends with the id of the checkpoint it
    # belongs to (clicking it selects that checkpoint).
    examples: list | None = None
    stop: Any = None  # streaming tasks: a button that cancels the run on the server
    views: list[View] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class View:
    """Part of a tab redrawn from the last result when the user moves a control, without running
    the model again (e.g. which sentence's attention map to show). ``render(result, *control_values)``
    returns one value per output; the framework calls it only when there is a result."""

    controls: list
    outputs: list
    render: Callable[..., tuple]


@runtime_checkable
class Preprocessor(Protocol):
    """What the zoo assumes of a task's preprocessor (checkpoint loading checks it is there; the
    conformance suite tests that it round-trips): it is saved with the weights and loaded with them,
    and what ``encode`` returns compares with ``==`` (equal when the model would see the same)."""

    def encode(self, input: Any) -> Any:
        """An input (or its text) as the model reads it."""

    def decode(self, encoded: Any) -> Any:
        """What ``encode`` gave, back as an input: ``encode(decode(encode(x))) == encode(x)``."""

    def save(self, folder: Path) -> None:
        """Write the files ``Task.load_preprocessor`` reads back from ``folder``."""


class StreamSequence:
    """One stream of a task that batches streams (``Task.start_sequence``): its own state, advanced
    by ``Task.step_sequences`` together with other streams of the same model."""

    ready: bool = False  # its own preparation (e.g. reading the prompt) is over: it can be stepped
    done: bool = False  # nothing more to generate

    def prefill(self) -> bool:
        """Do one bounded chunk of this stream's own work; return ``ready``."""
        self.ready = True
        return True

    def result(self) -> dict:
        """The result so far (the last one, once ``done``), as ``predict_batch`` would give it."""
        raise NotImplementedError

    def progress(self) -> dict | None:
        """While not ``ready``: a result so far with ``"progress"``, a line saying how far the
        preparation is (the app shows it, and each is a point where Stop or a disconnect is
        seen); or None to show nothing until it is ready."""
        return None


class Task:
    """Base class for tasks. Subclasses set the attributes and implement the methods below."""

    name: str = ""
    title: str = ""
    description: str = ""
    pipeline_tag: str = ""  # the Hugging Face Hub pipeline tag its checkpoints' cards carry
    tab_order: int = 100  # where its tab sits in the app, after the overview: lower first, ties by title
    streaming: bool = False  # True: ``stream`` yields growing results and the app streams them
    # True: the task implements start_sequence/step_sequences, and the app advances concurrent
    # streams of one model together, one batched step for all (continuous batching).
    batches_streams: bool = False
    params: Sequence[Param] = ()
    checkpoints: Sequence[Checkpoint] = ()
    # ``zoo map``: the input column it reads by default, and (for a task whose input spans rows,
    # such as a series in long format) the column whose runs of equal values form one input.
    map_column: str = "text"
    map_group: str | None = None

    # -- model and preprocessor ----------------------------------------------------------------
    def build_model(self, config: dict):
        """Return an untrained ``torch.nn.Module`` for ``config`` (the checkpoint's config.json)."""
        raise NotImplementedError

    def load_preprocessor(self, folder: Path, config: dict):
        """Load this task's preprocessor from a checkpoint folder."""
        raise NotImplementedError

    # -- prediction ----------------------------------------------------------------------------
    def validate(self, input: Any) -> None:
        """Raise ``InputError`` with a clear message if ``input`` cannot be used at all."""

    # A prediction is validate -> preprocess -> forward -> postprocess. A task implements the three
    # stages (the default predict_batch chains them), or predict_batch itself.
    def preprocess(self, pipe, inputs: list, **params) -> Any:
        """Inputs (each already through ``validate``) -> what ``forward`` reads, on the CPU."""
        raise NotImplementedError

    def forward(self, pipe, batch: Any, **params) -> Any:
        """The model on ``pipe.device`` (under ``torch.inference_mode``): the only stage that runs it."""
        raise NotImplementedError

    def postprocess(self, pipe, outputs: Any, inputs: list, **params) -> list[dict]:
        """The model's outputs -> one JSON-friendly result per input."""
        raise NotImplementedError

    def predict_batch(self, pipe, inputs: list, **params) -> list[dict]:
        """One JSON-friendly result per input; a batch answer equals one-by-one answers. By
        default ``postprocess(forward(preprocess(inputs)))``."""
        import torch

        batch = self.preprocess(pipe, inputs, **params)
        with torch.inference_mode():
            outputs = self.forward(pipe, batch, **params)
        return self.postprocess(pipe, outputs, inputs, **params)

    def stream(self, pipe, input: Any, **params) -> Iterator[dict]:
        """Streaming tasks yield growing results; the last one equals ``predict_batch``'s."""
        yield pipe(input, **params)

    def start_sequence(self, pipe, input: Any, **params) -> StreamSequence:
        """(``batches_streams`` tasks) A new stream for ``input``; cheap: heavy work goes in ``prefill``."""
        raise NotImplementedError

    def step_sequences(self, pipe, seqs: list) -> None:
        """(``batches_streams`` tasks) Advance every ready, unfinished sequence together, by one
        batched step or a short run of them (chargen runs up to 64 characters in one call: each
        call is a point where streams may join, leave or be published, so keep runs to a few ms).
        A sequence's numbers must not depend on the others in the batch (a seed gives the same
        text alone or batched); an exception must leave every sequence unchanged."""
        raise NotImplementedError

    # -- choosing the checkpoint for an input (optional) -----------------------------------------
    AUTO = "auto"  # the checkpoint name that asks ``route`` (the app's first choice when a task routes)

    def route(self, input: Any, params: dict, checkpoints: Sequence[str]) -> tuple[str, str] | None:
        """When the caller names no checkpoint (``auto`` in the app; none from the API or the
        CLI), which of ``checkpoints`` (the ids registered for this task, other plugins' included;
        asked only when there are two or more) serves ``input`` and why, in a few words:
        ``(checkpoint_id, why)``; None for the default. Called before the request queues, so keep
        it cheap; a bad input should return None (the pipeline then says what is wrong with it)."""
        return None

    def routes(self) -> bool:
        """Whether this task chooses its checkpoint per input (it overrides ``route``)."""
        return type(self).route is not Task.route

    def examples(self) -> list:
        """Inputs that show the task off; the conformance suite needs at least one."""
        return []

    def bad_inputs(self) -> list:
        """Inputs that must raise ``InputError`` (the conformance suite checks each)."""
        return []

    def read_cli_input(self, raw: str) -> Any:
        """``python -m zoo predict TASK RAW``: turn the command line's text into this task's input
        (e.g. read a file the text names). The app and Python callers never go through this, so
        a task may read local files here and nowhere else."""
        return raw

    # -- zoo map: a table in, the same rows with result columns out -------------------------------
    def map_input(self, rows: list[dict], column: str) -> Any:
        """The input of one unit of a table: a row (``rows`` has one) or, with ``map_group``, a
        group of rows in file order. Raise ``InputError`` for a unit that is not an input."""
        return rows[0][column]

    def map_output(self, rows: list[dict], result: dict) -> list[dict]:
        """The output rows of one predicted unit: by default its row with the result's flat
        fields added (``flat_result``); a result field never overwrites an input column."""
        row = rows[0]
        return [{**row, **{(k if k not in row else f"result.{k}"): v for k, v in flat_result(result).items()}}]

    def map_error(self, rows: list[dict], error: str) -> list[dict]:
        """The output rows of a unit that failed: its rows as they were, with the reason."""
        return [{**r, "error": error} for r in rows]

    # -- app -----------------------------------------------------------------------------------
    def build_tab(self, gr) -> Tab:
        """Create this task's components (inside the tab the framework opened) and return a Tab."""
        raise NotImplementedError

    # -- command-line verbs (optional) ------------------------------------------------------------
    # ``zoo data|train|eval|bench TASK [options]``. A task provides a verb by overriding its
    # method and declares the verb's options in ``add_arguments``; the framework parses them
    # strictly (prog ``zoo VERB TASK``), prints the returned dict as the command's one JSON
    # document (progress and logs go to stderr), and reports a verb the task lacks as
    # ``UnsupportedVerb``.
    def add_arguments(self, verb: str, parser) -> None:
        """Add the options of ``zoo VERB TASK`` to ``parser`` (an ``argparse.ArgumentParser``);
        ``verb`` is "data", "train", "eval" or "bench". The framework adds ``eval``'s
        ``--checkpoint``, ``--split`` and ``--device`` itself."""

    def data(self, args) -> dict:
        """``zoo data TASK``: fetch and prepare the data set; return a summary."""
        raise UnsupportedVerb(f"task {self.name!r} has no {VERB_NOUNS['data']}")

    def train(self, args) -> dict:
        """``zoo train TASK``: train (resumably) or export a checkpoint; return a summary."""
        raise UnsupportedVerb(f"task {self.name!r} has no {VERB_NOUNS['train']}")

    def evaluate(self, pipe, split: str, args) -> dict:
        """``zoo eval TASK``: return ``{"n", "metrics", "baselines", ...}`` measured on ``split`` in this call."""
        raise UnsupportedVerb(f"task {self.name!r} has no {VERB_NOUNS['eval']}")

    def bench(self, args) -> dict:
        """``zoo bench TASK``: speed figures beside a baseline timed in the same run."""
        raise UnsupportedVerb(f"task {self.name!r} has no {VERB_NOUNS['bench']}")

    def supports(self, verb: str) -> bool:
        """Whether this task provides the command-line ``verb`` (it overrides the method)."""
        method = VERB_METHODS[verb]
        return getattr(type(self), method, None) is not getattr(Task, method)

    # -- helpers for the framework ---------------------------------------------------------------
    def coerce_params(self, params: dict | None) -> dict:
        """Check and fill parameters; unknown names are an error, not silently ignored."""
        params = dict(params or {})
        known = {p.name: p for p in self.params}
        unknown = sorted(set(params) - set(known))
        if unknown:
            names = ", ".join(known) or "none"
            raise InputError(f"unknown parameter(s) {unknown} for task {self.name!r}; known: {names}")
        return {name: p.coerce(params.get(name)) for name, p in known.items()}


def flat_result(result: dict) -> dict:
    """A result's fields as table columns: scalars as they are, a dict of scalars as ``key.sub``
    columns, notices joined by "; ", other lists of scalars as JSON text; deeper structures (token
    tables, attention matrices) are left out of a table."""
    import json

    out: dict[str, Any] = {}
    scalar = (str, int, float, bool, type(None))
    for key, value in result.items():
        if isinstance(value, scalar):
            out[key] = value
        elif isinstance(value, dict) and all(isinstance(v, scalar) for v in value.values()):
            out.update({f"{key}.{k}": v for k, v in value.items()})
        elif isinstance(value, list) and all(isinstance(v, scalar) for v in value):
            out[key] = "; ".join(map(str, value)) if key == "notices" else json.dumps(value, ensure_ascii=False)
    return out


def plain(x: float) -> str:
    """A bound as a person writes it: 2147483647, not 2.14748e+09; 0.05 as 0.05."""
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def run_alone(seq: StreamSequence, step: Callable[[StreamSequence], None], every_s: float = 0.05) -> Iterator:
    """Prefill ``seq`` and advance it alone with ``step(seq)`` until done, yielding ``seq.result()``
    at most every ``every_s`` seconds and once at the end: the steps the app batches with others."""
    import time

    last = time.perf_counter()
    while not seq.prefill():
        if time.perf_counter() - last >= every_s and (shown := seq.progress()) is not None:
            last = time.perf_counter()
            yield shown
    while not seq.done:
        step(seq)
        if not seq.done and time.perf_counter() - last >= every_s:
            last = time.perf_counter()
            yield seq.result()
    yield seq.result()


def stream_sequence(task: Task, pipe, input: Any, params: dict, every_s: float = 0.05) -> Iterator[dict]:
    """A ``batches_streams`` task's ``stream`` for one caller (Python, the CLI): the same prefill
    and steps the app runs batched with other streams, with a batch of one."""
    seq = task.start_sequence(pipe, input, **params)
    yield from run_alone(seq, lambda s: task.step_sequences(pipe, [s]), every_s)


def in_tab_order(tasks: Iterable[Task]) -> list[Task]:
    """Tasks in the order the app shows them (``Task.tab_order``, then title)."""
    return sorted(tasks, key=lambda t: (t.tab_order, t.title))


def default_of(checkpoints: Sequence[Checkpoint]) -> Checkpoint | None:
    """The one default rule: the checkpoint marked ``default``, else the first listed; None if
    there are none. (The registry warns when a task marks other than exactly one.)"""
    return next((c for c in checkpoints if c.default), checkpoints[0] if checkpoints else None)


def check_task(task: Any) -> None:
    """Raise TypeError if ``task`` does not meet the contract (used when a plugin registers it)."""
    for attr in REQUIRED_ATTRIBUTES:
        value = getattr(task, attr, None)
        if not isinstance(value, str) or not value:
            raise TypeError(f"task {task!r} needs a non-empty string attribute {attr!r}")
    if not task.name.isidentifier():
        raise TypeError(f"task name {task.name!r} must be an identifier (it names the API endpoint)")

    def inherited(method: str) -> bool:
        return isinstance(task, Task) and getattr(type(task), method, None) is getattr(Task, method)

    # The default predict_batch chains the stages: only a Task subclass has it.
    staged = isinstance(task, Task) and not any(inherited(stage) for stage in STAGES)
    for method in REQUIRED_METHODS:
        if method == "predict_batch" and staged:
            continue
        if inherited(method) or not callable(getattr(task, method, None)):
            raise TypeError(f"task {task.name!r} ({type(task).__module__}.{type(task).__qualname__}) does not "
                            f"implement {method}(); every task defines build_model, load_preprocessor, build_tab "
                            "and predict_batch (or the stages preprocess, forward and postprocess): see docs/plugins.md")
    seen = set()
    for param in getattr(task, "params", ()) or ():
        check_param(param, task.name, seen)
    for method in (STAGES if inherited("predict_batch") else ("predict_batch",)) + ("stream", "start_sequence"):
        if not inherited(method) and callable(getattr(task, method, None)):
            check_signature(task, method, seen)
    for ckpt in getattr(task, "checkpoints", ()) or ():
        check_checkpoint(ckpt, task.name)


# The arguments the framework passes to each method before the parameters (``self`` aside).
_LEADING = {"predict_batch": 2, "preprocess": 2, "forward": 2, "postprocess": 3, "stream": 2, "start_sequence": 2}


def check_signature(task: Any, method: str, params: set) -> None:
    """The framework calls ``method`` with its leading arguments and every declared parameter as a
    keyword: refuse a method that cannot take that call (a parameter it does not accept, one it
    requires that no ``Param`` declares, a ``Param`` named like a leading argument)."""
    try:
        signature = inspect.signature(getattr(task, method))
    except (TypeError, ValueError):  # a builtin or C callable: nothing to read
        return
    try:
        signature.bind(*[None] * _LEADING[method], **{name: None for name in params})
    except TypeError as exc:
        raise TypeError(f"task {task.name!r}: {method}{signature} cannot take the call the framework makes, its "
                        f"{_LEADING[method]} leading arguments and the declared parameters "
                        f"({', '.join(sorted(params)) or 'none'}) as keywords: {exc}. Accept each parameter by name "
                        "or **params, and declare every argument it requires as a zoo.Param") from None


def check_param(param: Any, task_name: str, seen: set) -> None:
    """A parameter the CLI, Python and the API can all pass: a ``zoo.Param`` of a known type, named
    by a unique identifier, whose default is a value it accepts (type, range and choices)."""
    where = f"task {task_name!r}: parameter {getattr(param, 'name', param)!r}"
    if not isinstance(param, Param):
        raise TypeError(f"task {task_name!r}: params must be zoo.Param objects, got {param!r}")
    if not isinstance(param.name, str) or not param.name.isidentifier():
        raise TypeError(f"{where}: its name must be an identifier (it is a keyword argument and an API name)")
    if param.name in seen:
        raise TypeError(f"{where} is declared twice")
    seen.add(param.name)
    if param.type not in _KINDS:
        raise TypeError(f"{where}: type must be one of int, float, str, bool (the class, not a string), "
                        f"got {param.type!r}")
    if param.default is not None:
        try:
            param.coerce(param.default)
        except InputError as exc:
            raise TypeError(f"{where}: its default {param.default!r} is not a value it accepts ({exc})") from None


def check_checkpoint(ckpt: Any, task_name: str) -> None:
    if not isinstance(ckpt, Checkpoint):
        raise TypeError(f"task {task_name!r}: checkpoints must be zoo.Checkpoint objects, got {ckpt!r}")
    if not (len(ckpt.revision) == 40 and all(c in "0123456789abcdef" for c in ckpt.revision)):
        raise TypeError(f"checkpoint {ckpt.id!r}: revision must be a pinned 40-hex commit, got {ckpt.revision!r}")

"""``python -m zoo`` (or ``zoo``): list plugins and tasks, predict, fetch data, train, eval, bench.

Every command prints exactly one JSON document on stdout; logs and progress go to stderr. Exit
codes: 0 ok, 2 bad usage or input (a verb the task lacks included), 3 checkpoint, device or
plugin problem. A task's own options for data, train, eval and bench are declared by the task
(``Task.add_arguments``) and parsed here, strictly, as ``zoo VERB TASK``.
"""
from __future__ import annotations

import argparse
import re
import sys
from typing import Any

from . import jsontext, settings
from .errors import InputError, ZooError


def _print(obj: Any) -> None:
    sys.stdout.write(jsontext.dumps(obj, indent=2, ensure_ascii=False))
    sys.stdout.write("\n")


def _registry():
    from .plugins import registry

    return registry()


def cmd_plugins(args) -> int:
    _print([p.as_dict() for p in _registry().plugins])
    return 0


def cmd_tasks(args) -> int:
    reg = _registry()
    _print([
        {
            "name": t.name, "title": t.title, "description": t.description, "streaming": t.streaming,
            "params": [{"name": p.name, "type": p.type.__name__, "default": p.default, "min": p.min,
                        "max": p.max, "help": p.help} for p in t.params],
            "checkpoints": [c.as_dict() for c in reg.checkpoints.get(t.name, [])],
        }
        for t in reg.tasks.values()
    ])
    return 0


_ESCAPES = re.compile(r"\\([nt\\])")  # \n, \t and \\ in a --param value: a shell passes them as typed


def _parse_params(pairs: list[str]) -> dict[str, str]:
    params = {}
    for pair in pairs or []:
        if "=" not in pair:
            raise InputError(f"--param takes key=value, got {pair!r}")
        key, value = pair.split("=", 1)
        params[key.strip()] = _ESCAPES.sub(lambda m: {"n": "\n", "t": "\t", "\\": "\\"}[m.group(1)], value)
    return params


def _one_ending_off(text: str) -> str:
    return text[:-2] if text.endswith("\r\n") else text[:-1] if text.endswith("\n") else text


def _task(name: str):
    return _registry().task(name)


def cmd_predict(args) -> int:
    from . import predict

    task = _task(args.task)
    # One line ending closes what a shell pipes in (echo adds it): not part of the input.
    raw = _one_ending_off(sys.stdin.read()) if args.input == "-" else args.input
    _print(predict(task, task.read_cli_input(raw), checkpoint=args.checkpoint, device=args.device,
                   **_parse_params(args.param)))
    return 0


def verb_parser(task, verb: str) -> argparse.ArgumentParser:
    """The parser of ``zoo VERB TASK``: the framework's options for the verb, then the task's own."""
    from .task import VERB_NOUNS

    p = argparse.ArgumentParser(prog=f"zoo {verb} {task.name}",
                                description=f"{task.title}: {VERB_NOUNS[verb]}. Prints one JSON document.")
    if verb == "eval":
        p.add_argument("--checkpoint", help="checkpoint id, Hub repo id, repo@revision or folder (default: the task's)")
        p.add_argument("--split", default="test", choices=["train", "dev", "test"], help="the split to score")
        p.add_argument("--device", default=None, help="auto, cpu or cuda (default: ZOO_DEVICE or auto)")
    task.add_arguments(verb, p)
    return p


def _options(argv: list[str]) -> list[str]:
    """A task's options; a lone ``--`` before them is accepted (the way they were once passed on)."""
    return argv[1:] if argv[:1] == ["--"] else argv


def run_verb(task, verb: str, argv: list[str]) -> dict:
    """``zoo VERB TASK ARGV...``: parse strictly, run, and return the one JSON document it prints."""
    from .errors import UnsupportedVerb
    from .task import VERB_METHODS, VERB_NOUNS

    if not task.supports(verb):
        raise UnsupportedVerb(f"task {task.name!r} has no {VERB_NOUNS[verb]}")
    args = verb_parser(task, verb).parse_args(_options(argv))
    if verb != "eval":
        return getattr(task, VERB_METHODS[verb])(args)
    from .pipelines import pipeline

    pipe = pipeline(task, checkpoint=args.checkpoint, device=args.device)
    out = task.evaluate(pipe, args.split, args)
    checkpoint = pipe.source.name if pipe.source else args.checkpoint
    return {"task": task.name, "checkpoint": checkpoint, "split": args.split, **out}


def cmd_map(args) -> int:
    from . import mapping

    _print(mapping.run(_task(args.task), args.input, args.output, column=args.column, checkpoint=args.checkpoint,
                       params=_parse_params(args.param), engine=args.engine, address=args.address, device=args.device,
                       chunk_rows=args.chunk_rows, batch=args.batch, restart=args.restart,
                       progress=not args.no_progress, workers=args.workers, threads=args.threads))
    return 0


def cmd_serve_ray(args) -> int:
    from .serve_ray import main

    return main(args)


def cmd_verb(args) -> int:
    _print(run_verb(_task(args.task), args.command, args.options))
    return 0


def cmd_bench(args) -> int:
    """``zoo bench [NAME ...]`` or ``zoo bench NAME [options]``: each task's benchmark (with its
    defaults), ``app`` the app's cold start, ``serve`` the app under many clients and ``map`` the
    batch command (only when named). Options go to one benchmark at a time."""
    words = list(args.names)
    cut = next((i for i, w in enumerate(words) if w.startswith("-")), len(words))
    names, options = words[:cut], words[cut:]
    reg = _registry()
    if options and len(names) != 1:
        raise InputError("options go to one benchmark at a time: zoo bench NAME [options]")
    results = {}
    for name in names or [*(t for t in reg.tasks if reg.tasks[t].supports("bench")), "app"]:
        if name == "app":
            from .coldstart import measure

            if options:
                raise InputError("zoo bench app takes no options")
            results["app_cold_start"] = measure({t.name: (t.examples()[0],) for t in reg.tasks.values() if t.examples()})
        elif name == "map":
            from . import mapbench

            p = argparse.ArgumentParser(prog="zoo bench map", description=mapbench.__doc__,
                                        formatter_class=argparse.RawDescriptionHelpFormatter)
            mapbench.add_arguments(p)
            results["map"] = mapbench.run(p.parse_args(_options(options)))
        elif name == "serve":
            from . import servebench

            p = argparse.ArgumentParser(prog="zoo bench serve", description=servebench.__doc__,
                                        formatter_class=argparse.RawDescriptionHelpFormatter)
            servebench.add_arguments(p)
            results["serve"] = servebench.run(p.parse_args(_options(options)))
        else:
            results[name] = run_verb(_task(name), "bench", options)
    _print(results)
    return 0


def cmd_publish(args) -> int:
    from pathlib import Path

    from .publish import publish

    out = publish(_registry(), args.namespace, dry_run=Path(args.dry_run) if args.dry_run else None,
                  only=args.only or None, private=args.private)
    _print(out)
    if not out["dry_run"]:
        print("pin these revisions: save this JSON as checkpoint-pins.json beside app.py, or set ZOO_PINS "
              "to its path, or pass it to `zoo space build --pins`", file=sys.stderr)
    return 0


def cmd_space(args) -> int:
    from pathlib import Path

    from .space import build_space

    out = build_space(_registry(), Path(args.out), pins=Path(args.pins) if args.pins else None,
                      hardware=args.hardware, bundle=args.bundle)
    _print(out)
    for line in out["notices"]:
        print(f"note: {line}", file=sys.stderr)
    return 0


def cmd_new_plugin(args) -> int:
    from pathlib import Path

    from .scaffold import new_plugin

    _print(new_plugin(args.name, Path(args.out), force=args.force))
    return 0


PARAM_HELP = ("a task parameter, e.g. --param beam_size=5 (repeatable; \\n, \\t and \\\\ in a value are a newline, a "
              "tab and a backslash); `zoo tasks` lists each task's parameters with their defaults and ranges")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="zoo", description="LSTM Zoo command line")
    parser.add_argument("-v", "--verbose", action="store_true", help="log at INFO level to stderr")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("plugins", help="JSON list of plugins (name, version, module, hooks, tasks, error)")
    sub.add_parser("tasks", help="JSON list of tasks and their checkpoints")
    p = sub.add_parser("predict", help="predict for one input (use - to read it from stdin)")
    p.add_argument("task")
    p.add_argument("input", help="the input (text, numbers, a file for tasks that read files), - to read it from "
                   "stdin; one that starts with '-' goes last, after --: zoo predict TASK [options] -- INPUT")
    p.add_argument("--checkpoint", help="checkpoint id, Hub repo id, repo@revision or folder (default, or auto: the "
                   "task's choice for the input)")
    p.add_argument("--param", action="append", default=[], metavar="KEY=VALUE", help=PARAM_HELP)
    p.add_argument("--device", default=None, help="auto, cpu or cuda (default: ZOO_DEVICE or auto)")
    for name, help_ in (("data", "fetch and prepare the task's data set"),
                        ("train", "train (resumably) or export a checkpoint"),
                        ("eval", "evaluate a checkpoint beside baselines, measured in the same run")):
        p = sub.add_parser(name, help=f"{help_} (zoo {name} TASK --help: the task's options)", add_help=False)
        p.add_argument("task")
        p.add_argument("options", nargs=argparse.REMAINDER, help="the task's options")
    p = sub.add_parser("map", help="run a task over every row of a CSV, Parquet or JSON Lines file (resumable)",
                       description="Writes OUTPUT (.csv, .parquet or .jsonl): the input rows with the result columns "
                       "added (forecasting: one row per series and step of a long-format table unique_id, ds, y), and "
                       "an error column. Progress on stderr; finished chunks are kept in OUTPUT.parts/, so the same "
                       "command resumes a killed run.")
    p.add_argument("task")
    p.add_argument("input")
    p.add_argument("output")
    p.add_argument("--column", help="the input column (default: the task's, e.g. text; forecasting: y)")
    p.add_argument("--checkpoint", help="checkpoint id, Hub repo id, repo@revision or folder")
    p.add_argument("--param", action="append", default=[], metavar="KEY=VALUE", help=PARAM_HELP)
    p.add_argument("--engine", default="local", choices=["local", "ray"], help="local (default) or ray (Ray Data; "
                   "pip install 'lstm-zoo[ray]')")
    p.add_argument("--address", help="with --engine ray: the cluster to join (default: start a local Ray)")
    p.add_argument("--workers", type=int, default=None, help="with --engine ray: pipeline actors (default: as many "
                   "as the cluster's CPUs hold at --threads each, at least 1; one per GPU where CUDA is there)")
    p.add_argument("--threads", type=int, default=None, help="torch threads in each computing process: this one, or "
                   "each Ray actor (which asks Ray for as many CPUs); default: torch's default here. Equal counts give "
                   "equal outputs from both engines")
    p.add_argument("--device", default=None, help="auto, cpu or cuda (default: ZOO_DEVICE or auto)")
    p.add_argument("--chunk-rows", type=int, default=None, help="input rows per chunk: memory and the resume "
                   "unit (default 20000; 100000 with --engine ray, where each chunk is one Ray Data job)")
    p.add_argument("--batch", type=int, default=64, help="inputs per model call (default 64)")
    p.add_argument("--restart", action="store_true", help="discard an unfinished run's parts and start over")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p = sub.add_parser("serve-ray", help="the app with each task's model as Ray Serve replicas",
                       description="Starts Ray (or joins --address), runs each non-streaming task's default checkpoint "
                       "as a Ray Serve deployment, and the Gradio app in front of them in this process.")
    p.add_argument("--replicas", action="append", default=[], metavar="TASK=N", help="replicas of a task (repeatable); tasks "
                   "not named stay in the app process (none named: every non-streaming task, 1 replica each)")
    p.add_argument("--cpus", type=float, default=1.0, help="CPUs per replica (default 1; also its torch threads)")
    p.add_argument("--gpus", type=float, default=0.0, help="GPUs per replica (default 0; 1 on a GPU cluster)")
    p.add_argument("--address", help="a Ray cluster to join (default: start a local Ray)")
    p.add_argument("--host", default="127.0.0.1", help="the app's address (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=None, help="the app's port (default GRADIO_SERVER_PORT or 7860)")
    p = sub.add_parser("bench", help="speed benchmarks with same-run baselines: zoo bench [NAME ...] or "
                       "zoo bench NAME [options] (NAME: a task, app or serve)", add_help=False)
    p.add_argument("names", nargs=argparse.REMAINDER)
    p = sub.add_parser("publish", help="push every bundled checkpoint to the Hub as NS/<name>; prints the pins")
    p.add_argument("--namespace", required=True, help="Hub user or organization")
    p.add_argument("--dry-run", metavar="DIR", help="write exactly what would be pushed to DIR; push nothing")
    p.add_argument("--only", action="append", metavar="TASK[:ID]", help="publish only these (repeatable)")
    p.add_argument("--private", action="store_true", help="create the repos private")
    p = sub.add_parser("space", help="assemble a Hugging Face Space repo folder")
    space = p.add_subparsers(dest="space_command", required=True)
    p = space.add_parser("build", help="write a ready Space folder to OUT")
    p.add_argument("out")
    p.add_argument("--pins", help="the JSON `zoo publish` printed (default: the registered pins)")
    p.add_argument("--hardware", default="cpu-basic", help="suggested_hardware (cpu-basic, cpu-upgrade, t4-small, ...)")
    p.add_argument("--bundle", action="store_true", help="also copy the bundled checkpoints (a Space that works "
                   "without the Hub; the folder is about 147 MB)")
    p = sub.add_parser("new-plugin", help="write an installable plugin package to start from")
    p.add_argument("name", help="the task name (a Python identifier, e.g. wordsplit)")
    p.add_argument("--out", default=".", help="parent folder (default: here); the package goes in OUT/lstm-zoo-NAME")
    p.add_argument("--force", action="store_true", help="overwrite an existing folder")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    settings.setup_logging("WARNING", verbose=args.verbose)
    handlers = {"plugins": cmd_plugins, "tasks": cmd_tasks, "predict": cmd_predict, "eval": cmd_verb,
                "data": cmd_verb, "train": cmd_verb, "bench": cmd_bench, "map": cmd_map, "serve-ray": cmd_serve_ray,
                "publish": cmd_publish, "space": cmd_space, "new-plugin": cmd_new_plugin}
    try:
        return handlers[args.command](args)
    except BrokenPipeError:  # `zoo ... | head`: the reader left; not an error worth a traceback
        sys.stderr.close()
        return 0
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except ZooError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 3

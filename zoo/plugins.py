"""Plugin discovery and the task registry.

Plugins come from three places, in this order:
  1. built-in packages under ``plugins/`` next to ``zoo/`` (work from a plain checkout);
  2. pip-installed distributions exposing the entry-point group ``lstm_zoo``;
  3. one-off ``*.py`` files in the folder named by ``ZOO_PLUGINS_DIR``.
``ZOO_PLUGINS=a,b`` loads only the plugins with those names. A plugin that fails to import or to
register is recorded with its error and skipped; ``ZOO_STRICT_PLUGINS=1`` raises instead.

Pins: ``ZOO_PINS=FILE`` (or a ``checkpoint-pins.json`` beside ``app.py``, as a built Space has)
points registered checkpoints at the repos and revisions ``python -m zoo publish`` printed.
"""
from __future__ import annotations

import contextlib
import dataclasses
import difflib
import importlib
import importlib.metadata
import importlib.util
import logging
import sys
import threading
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pluggy

from . import hookspecs, settings
from .errors import CheckpointError, InputError, PluginError
from .paths import BUILTIN_DIR, ROOT
from .task import Checkpoint, Task, check_checkpoint, check_task, default_of

# The part of this module that plugins (and their tests) use (docs/plugins.md, "The plugin API").
__all__ = ["Registry", "default_checkpoint", "manager", "registry"]

log = logging.getLogger("zoo.plugins")

ENTRY_POINT_GROUP = "lstm_zoo"


@dataclasses.dataclass
class PluginInfo:
    name: str
    source: str  # builtin | entrypoint | dir | test
    module: str
    version: str | None = None
    hooks: list[str] = dataclasses.field(default_factory=list)
    tasks: list[str] = dataclasses.field(default_factory=list)
    checkpoints: list[str] = dataclasses.field(default_factory=list)  # "task:id" it added to any task
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclasses.dataclass
class Registry:
    """What the loaded plugins registered: tasks by name, plugin listing, and failures."""

    tasks: dict[str, Task]
    checkpoints: dict[str, list[Checkpoint]]
    plugins: list[PluginInfo]
    pins: list[str] = dataclasses.field(default_factory=list)  # what a pins file changed

    @property
    def failures(self) -> list[PluginInfo]:
        return [p for p in self.plugins if p.error]

    def task(self, name: str) -> Task:
        if name not in self.tasks:
            known = ", ".join(sorted(self.tasks)) or "none"
            raise InputError(f"unknown task {name!r}; registered tasks: {known}")
        return self.tasks[name]

    def default_checkpoint(self, task_name: str) -> Checkpoint:
        """The task's default checkpoint (``zoo.task.default_of``: marked default, else the first)."""
        ckpt = default_of(self.checkpoints.get(self.task(task_name).name, []))
        if ckpt is None:
            raise CheckpointError(f"task {task_name!r} has no registered checkpoints")
        return ckpt


def _error_text(exc: BaseException) -> str:
    """The error and where it happened, pointing at the plugin's own code, not the zoo's."""
    here = str(Path(__file__).resolve().parent)
    frames = [f for f in traceback.extract_tb(exc.__traceback__)
              if not f.filename.startswith(here) and not f.filename.startswith("<frozen")]
    where = f" ({frames[-1].filename}:{frames[-1].lineno})" if frames else ""
    return f"{type(exc).__name__}: {exc}{where}"


def _candidates() -> Iterator[tuple[str, str, Any]]:
    """Yield (name, source, loader) for every plugin that could be loaded."""
    if BUILTIN_DIR.is_dir():
        if str(ROOT) not in sys.path:  # a plain checkout or a Space: no pip install needed
            sys.path.insert(0, str(ROOT))
        for pkg in sorted(BUILTIN_DIR.iterdir()):
            if (pkg / "__init__.py").is_file():
                yield pkg.name, "builtin", lambda pkg=pkg: importlib.import_module(f"plugins.{pkg.name}")
    for ep in sorted(importlib.metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
        yield ep.name, "entrypoint", lambda ep=ep: _load_entry_point(ep)
    plugins_dir = settings.plugins_dir()
    if plugins_dir:
        folder = Path(plugins_dir)
        if not folder.is_dir():
            log.warning("ZOO_PLUGINS_DIR=%s is not a folder; no one-off plugins loaded", folder)
        else:
            for path in sorted(folder.glob("*.py")):
                yield path.stem, "dir", lambda path=path: _load_file(path)


def _load_entry_point(ep):
    try:
        return ep.load()
    except ModuleNotFoundError as exc:
        dist = getattr(getattr(ep, "dist", None), "name", None)
        raise PluginError(f"entry point {ep.name} = {ep.value!r} ({ENTRY_POINT_GROUP}"
                          f"{', package ' + dist if dist else ''}): {exc}; check the module path in its "
                          "pyproject.toml [project.entry-points] table") from None


def _load_file(path: Path):
    module_name = f"zoo_plugin_{path.stem}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(module_name, None)
        raise
    return module


HOOKS = ("register_tasks", "register_checkpoints")


def _check_hooks(pm: pluggy.PluginManager, plugin: Any, name: str) -> None:
    """pluggy silently ignores a misspelt hook (``register_task``) and a hook without
    ``@hookimpl``: refuse both, naming the function and the hook it probably meant."""
    import difflib
    import inspect

    def closest(attr: str) -> str | None:
        found = difflib.get_close_matches(attr, HOOKS, n=1, cutoff=0.6)
        return found[0] if found else None

    def where(attr: str) -> str:
        try:
            fn = getattr(plugin, attr)
            return f" ({inspect.getsourcefile(fn)}:{inspect.getsourcelines(fn)[1]})"
        except (TypeError, OSError):
            return ""

    try:
        pm.check_pending()
    except pluggy.PluginValidationError:
        pm.unregister(plugin)
        attr = next((a for a in dir(plugin) if hasattr(getattr(plugin, a, None), "lstm_zoo_impl") and a not in HOOKS), "?")
        hint = f"did you mean {closest(attr)!r}?" if closest(attr) else f"known hooks: {', '.join(HOOKS)}"
        raise PluginError(f"@hookimpl {attr}() is not a hook{where(attr)}; {hint}") from None
    if not pm.get_hookcallers(plugin):
        pm.unregister(plugin)
        # A module's own functions (not what it imported: Checkpoint), or an object's methods.
        own = plugin.__name__ if inspect.ismodule(plugin) else None

        def defined_here(fn) -> bool:
            return inspect.isroutine(fn) and (own is None or getattr(fn, "__module__", None) == own)

        attr = next((a for a in dir(plugin) if not a.startswith("_") and defined_here(getattr(plugin, a, None))
                     and closest(a)), None)
        if attr is None:
            raise PluginError(f"implements no hook: {own or 'it'} defines no function {' or '.join(HOOKS)} "
                              "decorated with @zoo.hookimpl (does the entry point or file name the module that has them?)")
        rename = "" if attr in HOOKS else f" and the name {closest(attr)!r}"
        raise PluginError(f"implements no hook; {attr}(){where(attr)} needs @zoo.hookimpl{rename}")


def _version(module) -> str | None:
    version = getattr(module, "__version__", None)
    if version:
        return str(version)
    top = getattr(module, "__name__", "").split(".")[0]
    try:
        dists = importlib.metadata.packages_distributions().get(top, [])
        return importlib.metadata.version(dists[0]) if dists else None
    except Exception:  # metadata is best effort; a listing should never fail on it
        return None


class PluginManager:
    """Loads plugins once, isolates failures, and builds the task registry on demand."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._pm: pluggy.PluginManager | None = None
        self._infos: list[PluginInfo] = []
        self._registry: Registry | None = None
        self._extra: list[tuple[str, Any]] = []  # registered in-process (tests, notebooks)

    def _load(self) -> None:
        pm = pluggy.PluginManager("lstm_zoo")
        pm.add_hookspecs(hookspecs)
        infos: list[PluginInfo] = []
        selected = settings.plugins_selected()
        for name, source, loader in _candidates():
            if selected is not None and name not in selected:
                continue
            if pm.has_plugin(name):
                infos.append(PluginInfo(name, source, "?", error=f"duplicate plugin name {name!r}; skipped"))
                continue
            try:
                module = loader()
                pm.register(module, name=name)
                _check_hooks(pm, module, name)
            except BaseException as exc:  # a plugin's sys.exit() or KeyboardInterrupt too
                if settings.strict_plugins():
                    raise PluginError(f"plugin {name!r} ({source}) failed to load: {exc}") from exc
                log.error("plugin %r (%s) failed to load: %s", name, source, exc)
                infos.append(PluginInfo(name, source, "?", error=_error_text(exc)))
                continue
            infos.append(PluginInfo(name, source, module.__name__, version=_version(module)))
        for name, obj in self._extra:
            module_name = getattr(obj, "__name__", type(obj).__name__)
            try:
                pm.register(obj, name=name)
                _check_hooks(pm, obj, name)
            except BaseException as exc:  # a plugin's sys.exit() or KeyboardInterrupt too
                if settings.strict_plugins():
                    raise PluginError(f"plugin {name!r} failed to register: {exc}") from exc
                infos.append(PluginInfo(name, "test", module_name, error=_error_text(exc)))
                continue
            infos.append(PluginInfo(name, "test", module_name))
        if selected:
            missing = selected - {i.name for i in infos}
            for name in sorted(missing):
                log.warning("ZOO_PLUGINS names %r, which no plugin has (python -m zoo plugins lists them)", name)
                infos.append(PluginInfo(name, "?", "?", error="named in ZOO_PLUGINS but not found"))
        self._pm, self._infos = pm, infos

    def _build_registry(self) -> Registry:
        assert self._pm is not None
        by_name = {info.name: info for info in self._infos}
        tasks: dict[str, Task] = {}
        owners: dict[str, str] = {}
        extra_checkpoints: list[tuple[str, str, Checkpoint]] = []

        def call(hook_name: str, impl, register) -> None:
            info = by_name[impl.plugin_name]
            info.hooks.append(hook_name)
            try:
                impl.function(register=register)
            except BaseException as exc:  # a plugin's sys.exit() or KeyboardInterrupt too
                if settings.strict_plugins():
                    raise PluginError(f"plugin {impl.plugin_name!r} failed in {hook_name}: {exc}") from exc
                log.error("plugin %r failed in %s: %s", impl.plugin_name, hook_name, exc)
                info.error = _error_text(exc)

        # Call each implementation on its own, so one plugin's exception cannot stop the others.
        # Registration order (built-ins, entry points, folder, in-process): built-in tabs come first.
        for impl in self._pm.hook.register_tasks.get_hookimpls():
            plugin = impl.plugin_name
            staged: list[Task] = []

            def register_task(task, _staged=staged, _plugin=plugin):
                check_task(task)
                if task.name in tasks or any(t.name == task.name for t in _staged):
                    raise ValueError(f"task {task.name!r} is already registered (by {owners.get(task.name, _plugin)!r})")
                _staged.append(task)

            call("register_tasks", impl, register_task)
            if by_name[plugin].error:
                continue  # a plugin that failed mid-registration adds nothing
            for task in staged:
                tasks[task.name] = task
                owners[task.name] = plugin
                by_name[plugin].tasks.append(task.name)

        for impl in self._pm.hook.register_checkpoints.get_hookimpls():
            plugin = impl.plugin_name
            staged_ckpts: list[tuple[str, Checkpoint]] = []

            def register_checkpoint(task_name, checkpoint, _staged=staged_ckpts):
                check_checkpoint(checkpoint, task_name)
                _staged.append((task_name, checkpoint))

            call("register_checkpoints", impl, register_checkpoint)
            if not by_name[plugin].error:
                extra_checkpoints += [(plugin, t, c) for t, c in staged_ckpts]

        checkpoints = {name: list(task.checkpoints) for name, task in tasks.items()}
        for plugin, task_name, ckpt in extra_checkpoints:
            if task_name not in checkpoints:
                near = difflib.get_close_matches(str(task_name), list(checkpoints), n=1)
                msg = (f"register_checkpoints: no task named {task_name!r} (checkpoint {ckpt.id!r}); "
                       + (f"did you mean {near[0]!r}?" if near else f"tasks: {', '.join(sorted(checkpoints)) or 'none'}"))
                if settings.strict_plugins():
                    raise PluginError(f"plugin {plugin!r}: {msg}")
                by_name[plugin].error = msg
                continue
            if any(c.id == ckpt.id for c in checkpoints[task_name]):
                by_name[plugin].error = f"checkpoint id {ckpt.id!r} already exists for task {task_name!r}"
                continue
            checkpoints[task_name].append(ckpt)
            by_name[plugin].checkpoints.append(f"{task_name}:{ckpt.id}")
        for name, ckpts in checkpoints.items():
            defaults = [c for c in ckpts if c.default]
            if ckpts and len(defaults) != 1:
                log.warning("task %r has %d default checkpoints; using the first listed", name, len(defaults))
        return Registry(tasks=tasks, checkpoints=checkpoints, plugins=self._infos, pins=_apply_pins(checkpoints))

    def registry(self) -> Registry:
        with self._lock:
            if self._registry is None:
                if self._pm is None:
                    self._load()
                self._registry = self._build_registry()
            return self._registry

    def reset(self) -> None:
        """Forget everything loaded (environment changes take effect on the next call)."""
        with self._lock:
            self._pm, self._infos, self._registry = None, [], None

    @contextlib.contextmanager
    def registered(self, plugin: Any, name: str | None = None) -> Iterator[Registry]:
        """Register ``plugin`` (a module or object with hookimpls) for the duration of a block."""
        name = name or getattr(plugin, "__name__", None) or type(plugin).__name__
        with self._lock:
            self._extra.append((name, plugin))
            self.reset()
        try:
            yield self.registry()
        finally:
            with self._lock:
                self._extra = [(n, p) for n, p in self._extra if p is not plugin]
                self.reset()


def _apply_pins(checkpoints: dict[str, list[Checkpoint]]) -> list[str]:
    """A bad pins file is an error, not a silent fallback to other weights."""
    from .pins import apply_pins, pins_path, read_pins

    path = pins_path()
    if path is None:
        return []
    changed = apply_pins(checkpoints, read_pins(path))
    for line in changed:
        log.info("pinned by %s: %s", path, line)
    return changed


manager = PluginManager()


def registry() -> Registry:
    return manager.registry()


def default_checkpoint(task_name: str) -> Checkpoint:
    return registry().default_checkpoint(task_name)

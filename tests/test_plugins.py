"""Plugin discovery, selection, isolation of broken plugins, and in-process registration."""
import json
import textwrap
import types

import pytest
from helpers import run_cli

import zoo
from zoo import Checkpoint, PluginError, Task, hookimpl
from zoo.plugins import manager

GOOD_PLUGIN = '''
from zoo import hookimpl, Task, Tab

class EchoTask(Task):
    name = "echo"
    title = "Echo"
    description = "Repeats its input (a test plugin)."
    def build_model(self, config): ...
    def load_preprocessor(self, folder, config): ...
    def predict_batch(self, pipe, inputs, **params): return [{"text": x} for x in inputs]
    def build_tab(self, gr): ...

@hookimpl
def register_tasks(register):
    register(EchoTask())
'''


def write(folder, name, text):
    (folder / name).write_text(textwrap.dedent(text))


def plugin_info(reg, name):
    return next(p for p in reg.plugins if p.name == name)


def listing(env):
    result = run_cli("plugins", env=env)
    assert result.returncode == 0, result.stderr
    return {p["name"]: p for p in json.loads(result.stdout)}


def test_builtin_plugins_are_found_from_a_plain_checkout():
    reg = zoo.registry()
    assert "sentiment" in reg.tasks
    info = plugin_info(reg, "sentiment")
    assert info.source == "builtin" and info.error is None and info.tasks == ["sentiment"]
    assert "register_tasks" in info.hooks


def test_plugins_dir_one_off_file_and_listing(tmp_path):
    write(tmp_path, "echo_plugin.py", GOOD_PLUGIN)
    plugins = listing({"ZOO_PLUGINS_DIR": str(tmp_path)})
    assert plugins["echo_plugin"]["tasks"] == ["echo"]
    assert plugins["echo_plugin"]["source"] == "dir"
    assert plugins["echo_plugin"]["error"] is None
    assert set(plugins["echo_plugin"]) >= {"name", "version", "module", "hooks", "tasks", "error"}


def test_broken_plugins_are_reported_and_the_rest_works(tmp_path):
    write(tmp_path, "broken_import.py", "import no_such_module_anywhere\n")
    write(tmp_path, "broken_register.py", """
        from zoo import hookimpl
        @hookimpl
        def register_tasks(register):
            raise RuntimeError("boom in register")
    """)
    write(tmp_path, "bad_task.py", """
        from zoo import hookimpl
        @hookimpl
        def register_tasks(register):
            register(object())
    """)
    write(tmp_path, "echo_plugin.py", GOOD_PLUGIN)
    plugins = listing({"ZOO_PLUGINS_DIR": str(tmp_path)})
    assert "ModuleNotFoundError" in plugins["broken_import"]["error"]
    assert "boom in register" in plugins["broken_register"]["error"]
    assert "broken_register.py:" in plugins["broken_register"]["error"]  # points at the plugin's line
    assert "non-empty string attribute" in plugins["bad_task"]["error"]
    assert plugins["echo_plugin"]["error"] is None and plugins["sentiment"]["error"] is None
    tasks = [t["name"] for t in json.loads(run_cli("tasks", env={"ZOO_PLUGINS_DIR": str(tmp_path)}).stdout)]
    assert tasks[-1] == "echo" and "sentiment" in tasks  # built-ins first (they are the first tabs)


def test_strict_mode_raises_on_a_broken_plugin(tmp_path):
    write(tmp_path, "broken_import.py", "import no_such_module_anywhere\n")
    result = run_cli("plugins", env={"ZOO_PLUGINS_DIR": str(tmp_path), "ZOO_STRICT_PLUGINS": "1"})
    assert result.returncode == 3
    assert "broken_import" in result.stderr and "no_such_module_anywhere" in result.stderr


def test_zoo_plugins_selects_by_name(tmp_path):
    write(tmp_path, "echo_plugin.py", GOOD_PLUGIN)
    plugins = listing({"ZOO_PLUGINS_DIR": str(tmp_path), "ZOO_PLUGINS": "echo_plugin,nope"})
    assert set(plugins) == {"echo_plugin", "nope"}
    assert "not found" in plugins["nope"]["error"]


def test_entry_point_plugins_are_discovered(tmp_path):
    """A pip-installed plugin is a distribution with an ``lstm_zoo`` entry point: here a real
    ``.dist-info`` folder on the path, read by importlib.metadata as pip would leave it."""
    write(tmp_path, "zoo_echo_ep.py", GOOD_PLUGIN)
    dist = tmp_path / "zoo_echo_ep-1.2.3.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: zoo-echo-ep\nVersion: 1.2.3\n")
    (dist / "entry_points.txt").write_text("[lstm_zoo]\necho_ep = zoo_echo_ep\n")
    (dist / "top_level.txt").write_text("zoo_echo_ep\n")
    plugins = listing({"PYTHONPATH": str(tmp_path)})
    assert plugins["echo_ep"]["source"] == "entrypoint"
    assert plugins["echo_ep"]["tasks"] == ["echo"]
    assert plugins["echo_ep"]["version"] == "1.2.3"
    # A typo in the entry point's module path names the entry point and where to fix it.
    (dist / "entry_points.txt").write_text("[lstm_zoo]\necho_ep = zoo_echo_epp\n")
    error = listing({"PYTHONPATH": str(tmp_path)})["echo_ep"]["error"]
    assert "entry point echo_ep = 'zoo_echo_epp' (lstm_zoo, package zoo-echo-ep): No module named 'zoo_echo_epp'" in error
    assert "pyproject.toml" in error and "frozen" not in error


def test_in_process_registration_lasts_for_the_block():
    plugin = types.ModuleType("temp_plugin")
    exec(GOOD_PLUGIN, plugin.__dict__)
    with manager.registered(plugin) as reg:
        assert "echo" in reg.tasks
        assert zoo.registry().task("echo").title == "Echo"
    assert "echo" not in zoo.registry().tasks


def test_a_plugin_can_add_a_checkpoint_to_another_plugins_task():
    class AddsCheckpoint:
        @hookimpl
        def register_checkpoints(self, register):
            register("sentiment", Checkpoint(id="extra", repo_id="someone/extra", revision="a" * 40))

    with manager.registered(AddsCheckpoint(), name="adds") as reg:
        assert plugin_info(reg, "adds").checkpoints == ["sentiment:extra"]
        ids = [c.id for c in reg.checkpoints["sentiment"]]
        assert ids[:4] == ["mixed-imdb-bilstm-minilm", "mixed-bilstm-minilm", "rt-bilstm-minilm", "rt-bilstm"] and "extra" in ids


def test_checkpoint_for_an_unknown_task_is_reported_not_fatal():
    class Wrong:
        @hookimpl
        def register_checkpoints(self, register):
            register("no_such_task", Checkpoint(id="x", repo_id="a/b", revision="b" * 40))

    with manager.registered(Wrong(), name="wrong") as reg:
        info = plugin_info(reg, "wrong")
        assert "no task named 'no_such_task'" in info.error
        assert "sentiment" in reg.tasks

    class Typo:
        @hookimpl
        def register_checkpoints(self, register):
            register("sentimnet", Checkpoint(id="x", repo_id="a/b", revision="b" * 40))

    with manager.registered(Typo(), name="typo") as reg:
        assert plugin_info(reg, "typo").error.endswith("did you mean 'sentiment'?")


def test_duplicate_task_name_is_isolated():
    class Dup:
        @hookimpl
        def register_tasks(self, register):
            from plugins.sentiment.task import SentimentTask

            register(SentimentTask())

    with manager.registered(Dup(), name="dup") as reg:
        errors = [p.error for p in reg.plugins if p.error]
        assert any("already registered" in e for e in errors)
        assert "sentiment" in reg.tasks


def test_strict_mode_in_process(monkeypatch):
    class Raises:
        @hookimpl
        def register_tasks(self, register):
            raise ValueError("bad")

    monkeypatch.setenv("ZOO_STRICT_PLUGINS", "1")
    with pytest.raises(PluginError, match="bad"):
        with manager.registered(Raises(), name="raises"):
            pass


def test_a_misspelt_hook_is_reported_not_silently_ignored():
    class Misspelt:
        @hookimpl
        def register_task(self, register):  # the hook is register_tasks
            pass

    with manager.registered(Misspelt(), name="misspelt") as reg:
        info = plugin_info(reg, "misspelt")
        assert "register_task() is not a hook" in info.error and "did you mean 'register_tasks'" in info.error
        assert "sentiment" in reg.tasks


def test_a_hook_without_hookimpl_or_a_plugin_with_no_hooks_is_reported(tmp_path, monkeypatch):
    (tmp_path / "undecorated.py").write_text("def register_tasks(register):\n    pass\n")
    (tmp_path / "nothing.py").write_text("from zoo import Checkpoint\nVALUE = 1\n")  # imports are not its hooks
    monkeypatch.setenv("ZOO_PLUGINS_DIR", str(tmp_path))
    manager.reset()
    reg = zoo.registry()
    undecorated, nothing = plugin_info(reg, "undecorated"), plugin_info(reg, "nothing")
    assert "register_tasks()" in undecorated.error and "undecorated.py:1" in undecorated.error
    assert "needs @zoo.hookimpl" in undecorated.error
    assert "implements no hook" in nothing.error and "Checkpoint" not in nothing.error

    class Undecorated:  # an in-process plugin object: its method is named
        def register_tasks(self, register): ...

    with manager.registered(Undecorated(), name="undecorated_object") as reg:
        assert "register_tasks()" in plugin_info(reg, "undecorated_object").error
        assert "needs @zoo.hookimpl" in plugin_info(reg, "undecorated_object").error
    assert "defines no function register_tasks or register_checkpoints decorated with @zoo.hookimpl" in nothing.error
    assert "sentiment" in reg.tasks


def test_a_task_with_malformed_checkpoints_is_refused_alone():
    from toy import ToyTask

    class Malformed(ToyTask):
        name = "malformed"
        checkpoints = ["not a checkpoint"]

    class Unpinned(ToyTask):
        name = "unpinned"
        checkpoints = [Checkpoint(id="x", repo_id="a/b", revision="main")]

    class Plugin:
        @hookimpl
        def register_tasks(self, register):
            register(Malformed())

    class Plugin2:
        @hookimpl
        def register_tasks(self, register):
            register(Unpinned())

    with manager.registered(Plugin(), name="malformed_plugin") as reg:
        assert "zoo.Checkpoint" in plugin_info(reg, "malformed_plugin").error
        assert "malformed" not in reg.tasks and "sentiment" in reg.tasks
    with manager.registered(Plugin2(), name="unpinned_plugin") as reg:
        assert "40-hex" in plugin_info(reg, "unpinned_plugin").error


def test_a_task_missing_a_required_method_is_refused_at_registration_with_what_to_add():
    class NoTab(Task):
        name, title, description = "notab", "No tab", "forgot build_tab"

        def build_model(self, config): ...

        def load_preprocessor(self, folder, config): ...

        def predict_batch(self, pipe, inputs, **params): return [{} for _ in inputs]

    class Plugin:
        @hookimpl
        def register_tasks(self, register):
            register(NoTab())

    with manager.registered(Plugin(), name="notab_plugin") as reg:
        error = plugin_info(reg, "notab_plugin").error
        assert "does not implement build_tab()" in error and "NoTab" in error
        assert "notab" not in reg.tasks and "sentiment" in reg.tasks


def test_a_task_object_of_its_own_class_needs_predict_batch_itself():
    # Only a zoo.Task subclass inherits the predict_batch that chains the three stages.
    class Duck:
        name, title, description, params, checkpoints = "duck", "Duck", "not a Task subclass", (), ()

        def build_model(self, config): ...

        def load_preprocessor(self, folder, config): ...

        def build_tab(self, gr): ...

    with pytest.raises(TypeError, match=r"does not implement predict_batch\(\)"):
        zoo.task.check_task(Duck())


@pytest.mark.parametrize("param, says", [
    (zoo.Param("threshold", "float", 0.5), "type must be one of int, float, str, bool (the class, not a string)"),
    (zoo.Param("threshold", float, 5.0, min=0.01, max=0.99), "its default 5.0 is not a value it accepts"),
    (zoo.Param("max-len", int, 3), "its name must be an identifier"),
    (zoo.Param("mode", str, "fast", choices=["slow"]), "its default 'fast' is not a value it accepts"),
    ("threshold=0.5", "params must be zoo.Param objects"),
])
def test_a_task_whose_parameters_cannot_be_passed_is_refused_at_registration(param, says):
    from toy import ToyTask

    class Odd(ToyTask):
        name = "odd"
        params = [param]

    class Twice(ToyTask):
        name = "twice"
        params = [zoo.Param("n", int, 3), zoo.Param("n", int, 4)]

    class Plugin:
        @hookimpl
        def register_tasks(self, register):
            register(Odd())

    with manager.registered(Plugin(), name="odd_plugin") as reg:
        assert says in plugin_info(reg, "odd_plugin").error and "odd" not in reg.tasks
    with pytest.raises(TypeError, match="parameter 'n' is declared twice"):
        zoo.task.check_task(Twice())


def test_two_task_objects_of_one_name_never_share_a_pipeline(toy_checkpoints):
    from toy import ToyTask

    a, b = ToyTask(), ToyTask()
    a.checkpoints = b.checkpoints = toy_checkpoints
    pa, pb = zoo.pipeline(a, checkpoint="toy-1"), zoo.pipeline(b, checkpoint="toy-1")
    assert pa is not pb and pa.task is a and pb.task is b
    assert zoo.pipeline(a, checkpoint="toy-1") is pa  # each object's own is cached


def test_a_cached_load_freezes_the_heap_unless_turned_off_and_clearing_the_cache_thaws_it(toy_checkpoints,
                                                                                           monkeypatch):
    """What is alive once a model is loaded for the process is out of the collector's walk (a full
    collection then walks only what came later); ``clear_cache`` hands it back."""
    import gc

    from toy import ToyTask

    from zoo.pipelines import clear_cache

    task = ToyTask()
    task.checkpoints = toy_checkpoints
    clear_cache()
    assert gc.get_freeze_count() == 0
    zoo.pipeline(task, checkpoint="toy-1", cache=False)  # not kept: nothing frozen for it
    assert gc.get_freeze_count() == 0
    monkeypatch.setenv("ZOO_FREEZE_HEAP", "0")
    zoo.pipeline(task, checkpoint="toy-1")
    assert gc.get_freeze_count() == 0
    clear_cache()
    monkeypatch.delenv("ZOO_FREEZE_HEAP")
    pipe = zoo.pipeline(task, checkpoint="toy-1")
    assert gc.get_freeze_count() > 1000
    assert pipe("a cab") == zoo.pipeline(task, checkpoint="toy-1")("a cab")  # still served, from the cache
    clear_cache()
    assert gc.get_freeze_count() == 0


def test_a_task_may_give_the_three_stages_instead_of_predict_batch():
    import torch

    from zoo.pipelines import Pipeline

    class Staged(Task):
        name, title, description = "staged", "Staged", "validate -> preprocess -> forward -> postprocess"

        def build_model(self, config): return torch.nn.Identity()

        def load_preprocessor(self, folder, config): ...

        def preprocess(self, pipe, inputs, **params): return torch.tensor([float(len(x)) for x in inputs])

        def forward(self, pipe, batch, **params): return pipe.model(batch) * 2

        def postprocess(self, pipe, outputs, inputs, **params): return [{"n": int(v)} for v in outputs]

        def build_tab(self, gr): ...

    class Plugin:
        @hookimpl
        def register_tasks(self, register):
            register(Staged())

    with manager.registered(Plugin(), name="staged_plugin") as reg:
        assert plugin_info(reg, "staged_plugin").error is None and "staged" in reg.tasks
    task = Staged()
    pipe = Pipeline(task, task.build_model({}), None, {"task": "staged"}, torch.device("cpu"), torch.float32, None)
    assert task.predict_batch(pipe, ["ab", "abcd"]) == [{"n": 4}, {"n": 8}]


def test_a_checkpoint_whose_preprocessor_cannot_encode_decode_and_save_is_refused(toy_checkpoints):
    import torch
    from toy import ToyTask

    from zoo.pipelines import load_folder

    class Broken(ToyTask):
        def load_preprocessor(self, folder, config):
            return object()

    with pytest.raises(zoo.CheckpointError, match=r"lacks encode, decode, save \(zoo.task.Preprocessor"):
        load_folder(Broken(), toy_checkpoints[0].bundled, torch.device("cpu"))


API = {"zoo", "zoo.task", "zoo.errors", "zoo.training", "zoo.datasets", "zoo.sequences", "zoo.lstm_step",
       "zoo.checkpoint", "zoo.pipelines", "zoo.card", "zoo.language", "zoo.coldstart", "zoo.settings", "zoo.plugins",
       "zoo.testing",
       "zoo.testing.conformance", "zoo.testing.hub_server"}


def test_plugins_use_only_the_declared_plugin_api_and_never_each_other():
    """Built-in plugins and the examples import the zoo's declared API (each module's __all__,
    listed in docs/plugins.md) and nothing of another plugin."""
    import ast
    import importlib

    from helpers import ROOT

    files = list((ROOT / "plugins").rglob("*.py")) + [p for p in (ROOT / "examples").rglob("*.py") if "build" not in p.parts]
    bad = []
    for path in files:
        package = path.relative_to(ROOT).parts[:2]
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                mod = node.module
                if mod.startswith("plugins.") and tuple(mod.split(".")[:2]) != package:
                    bad.append(f"{path.relative_to(ROOT)}: imports {mod}")
                if mod == "zoo" or mod.startswith("zoo."):
                    if mod not in API:
                        bad.append(f"{path.relative_to(ROOT)}: imports {mod}, not part of the plugin API")
                        continue
                    module = importlib.import_module(mod)
                    public = set(module.__all__) if hasattr(module, "__all__") else None  # settings, testing: whole
                    for alias in node.names:
                        if public is not None and alias.name not in public and f"{mod}.{alias.name}" not in API:
                            bad.append(f"{path.relative_to(ROOT)}: {mod}.{alias.name} is not in its __all__")
    assert not bad, bad


def test_the_toy_task_the_framework_tests_use_passes_the_conformance_suite(toy, tmp_path, monkeypatch):
    from zoo.testing.conformance import CHECKS

    monkeypatch.setenv("ZOO_WEIGHTS", "bundled")
    pipe = zoo.pipeline("toy", device="cpu", cache=False)
    for check in CHECKS:
        (tmp_path / check.__name__).mkdir()
        check(toy, pipe, tmp_path / check.__name__)


def test_a_task_whose_methods_cannot_take_its_parameters_is_refused_at_registration():
    from toy import ToyTask

    class Deaf(ToyTask):  # declares a parameter its stage never takes: every call would fail
        name = "deaf"
        params = [zoo.Param("threshold", float, 0.5)]

        def preprocess(self, pipe, inputs):
            return super().preprocess(pipe, inputs)

    class Needy(ToyTask):  # requires an argument nothing declares
        name = "needy"

        def predict_batch(self, pipe, inputs, temperature):
            return [{} for _ in inputs]

    class Explicit(ToyTask):  # names its parameters instead of **params: fine
        name = "explicit"
        params = [zoo.Param("threshold", float, 0.5)]

        def predict_batch(self, pipe, inputs, threshold):
            return [{"threshold": threshold} for _ in inputs]

    class Clash(ToyTask):  # a parameter named like an argument the framework passes first
        name = "clash"
        params = [zoo.Param("inputs", int, 1)]

    class Forwarding(ToyTask):  # *args and **params, as a wrapper without functools.wraps gives: fine
        name = "forwarding"
        params = [zoo.Param("threshold", float, 0.5)]

        def predict_batch(self, *args, **params):
            return [{} for _ in args[1]]

    with pytest.raises(TypeError, match=r"preprocess\(pipe, inputs\) cannot take the call .* keyword argument 'threshold'"):
        zoo.task.check_task(Deaf())
    with pytest.raises(TypeError, match="missing a required argument: 'temperature'"):
        zoo.task.check_task(Needy())
    with pytest.raises(TypeError, match="multiple values for argument 'inputs'"):
        zoo.task.check_task(Clash())
    zoo.task.check_task(Explicit())
    zoo.task.check_task(Forwarding())

    class Plugin:
        @hookimpl
        def register_tasks(self, register):
            register(Deaf())

    with manager.registered(Plugin(), name="deaf_plugin") as reg:
        assert "unexpected keyword argument 'threshold'" in plugin_info(reg, "deaf_plugin").error
        assert "deaf" not in reg.tasks and "sentiment" in reg.tasks

"""The hooks a plugin may implement. Project name for pluggy: ``lstm_zoo``.

A plugin is any module or object with functions decorated by ``zoo.hookimpl``::

    from zoo import hookimpl

    @hookimpl
    def register_tasks(register):
        register(MyTask())

    @hookimpl
    def register_checkpoints(register):
        register("sentiment", Checkpoint(id="my-ckpt", repo_id="me/my-ckpt", revision="<40 hex>"))
"""
import pluggy

hookspec = pluggy.HookspecMarker("lstm_zoo")
hookimpl = pluggy.HookimplMarker("lstm_zoo")


@hookspec
def register_tasks(register):
    """Call ``register(task)`` once for each ``zoo.Task`` this plugin provides."""


@hookspec
def register_checkpoints(register):
    """Call ``register(task_name, checkpoint)`` to add a ``zoo.Checkpoint`` to any task,
    including a task that another plugin registered."""

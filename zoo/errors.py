"""Errors the zoo raises on purpose: each carries a message meant for the person who caused it."""

# The part of this module that plugins use (docs/plugins.md, "The plugin API").
__all__ = ["CheckpointError", "DeviceError", "InputError", "PluginError", "UnsupportedVerb", "ZooError"]


class ZooError(Exception):
    """Base class: anything the zoo reports deliberately."""


class InputError(ZooError, ValueError):
    """The input or a parameter is unusable; the message says why and what would work."""


class CheckpointError(ZooError):
    """A checkpoint could not be found or does not match its task's model (names the repo)."""


class PluginError(ZooError):
    """A plugin failed to import or register (raised only with ZOO_STRICT_PLUGINS=1)."""


class DeviceError(ZooError):
    """The requested device is not available; the zoo never falls back silently."""


class UnsupportedVerb(InputError):
    """A command-line verb (data, train, eval, bench) that this task does not provide."""

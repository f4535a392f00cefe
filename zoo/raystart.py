"""Starting (or joining) Ray the one way both Ray paths need: ``zoo map --engine ray`` and
``zoo serve-ray``. Workers import zoo and the built-in plugins from this checkout and keep the
Hub settings and telemetry off as this process has them."""
from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def start(address: str | None = None) -> bool:
    """``ray.init`` unless Ray is already up here; True if this call started it (and so should
    shut it down)."""
    import ray

    if ray.is_initialized():
        return False
    env = {"PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
           "HF_HUB_OFFLINE": os.environ.get("HF_HUB_OFFLINE", ""), "ZOO_WEIGHTS": os.environ.get("ZOO_WEIGHTS", ""),
           "RAY_USAGE_STATS_ENABLED": "0"}
    ray.init(address=address, include_dashboard=False, log_to_driver=False, configure_logging=False,
             runtime_env={"env_vars": {k: v for k, v in env.items() if v}})
    return True

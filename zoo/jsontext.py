"""JSON text as every parser reads it: Python's ``json`` writes NaN and Infinity, which are not
JSON (``JSON.parse`` and most other parsers refuse them); here they become null, as the app's
API already sends them."""
from __future__ import annotations

import json
import math
from typing import Any


def finite(obj: Any) -> Any:
    """``obj`` with every non-finite float (NaN, inf) replaced by None, in dicts, lists and tuples."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: finite(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [finite(v) for v in obj]
    return obj


def dumps(obj: Any, **kwargs) -> str:
    return json.dumps(finite(obj), allow_nan=False, **kwargs)

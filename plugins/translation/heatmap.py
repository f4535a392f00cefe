"""The attention heatmap of one translated sentence: source subwords across, target subwords
down, as a matplotlib figure (the tab shows it with ``gr.Plot``; the API returns the numbers)."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")  # no display on a server

import matplotlib.pyplot as plt  # noqa: E402


def _label(token: str) -> str:
    return token.replace("\u2581", "\u00b7") if token not in ("[EOS]",) else "</s>"


def figure(sentence: dict):
    """``sentence``: one item of a translation result's ``sentences``."""
    weights = sentence["attention"]
    rows, cols = len(weights), len(weights[0]) if weights else 0
    fig, ax = plt.subplots(figsize=(min(2 + 0.35 * cols, 16), min(1.5 + 0.3 * rows, 14)), dpi=100)
    ax.imshow(weights, cmap="Blues", vmin=0.0, vmax=1.0, aspect="auto")
    ax.set_xticks(range(cols), [_label(t) for t in sentence["source_tokens"][:cols]], rotation=70, fontsize=9)
    ax.set_yticks(range(rows), [_label(t) for t in sentence["target_tokens"][:rows]], fontsize=9)
    ax.xaxis.tick_top()
    ax.set_xlabel("English subwords")
    ax.set_ylabel("Spanish subwords")
    fig.tight_layout()
    return fig

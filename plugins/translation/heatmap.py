"""The attention heatmap of one translated sentence: English subwords across, Spanish subwords
down, as a matplotlib figure (the tab shows it with ``gr.Plot``; the API returns the numbers)."""
from __future__ import annotations

from matplotlib.figure import Figure


def _label(token: str) -> str:
    # Metaspace marks a word start with U+2581; a middle dot reads better at small sizes.
    return "</s>" if token == "[EOS]" else token.replace("\u2581", "\u00b7")


def figure(sentence: dict) -> Figure:
    """``sentence``: one item of a translation result's ``sentences``. A ``Figure`` made
    directly, not through pyplot, so a server drawing many of them keeps no global references."""
    weights = sentence.get("attention")
    fig = Figure(dpi=100)
    if not weights:
        fig.set_size_inches(6, 1.2)
        why = ("this checkpoint has no attention (the ablation)" if weights is None
               else "nothing was translated in this sentence")
        fig.text(0.5, 0.5, why, ha="center", va="center")
        return fig
    rows, cols = len(weights), len(weights[0])
    fig.set_size_inches(min(2.5 + 0.32 * cols, 18), min(1.8 + 0.28 * rows, 16))
    ax = fig.add_subplot()
    image = ax.imshow(weights, cmap="Blues", vmin=0.0, vmax=1.0, aspect="auto")
    ax.set_xticks(range(cols), [_label(t) for t in sentence["source_tokens"][:cols]], rotation=70, fontsize=9)
    ax.set_yticks(range(rows), [_label(t) for t in sentence["target_tokens"][:rows]], fontsize=9)
    ax.xaxis.tick_top()
    ax.set_xlabel("English subwords")
    ax.set_ylabel("Spanish subwords")
    fig.colorbar(image, ax=ax, fraction=0.03, pad=0.02, label="attention weight")
    fig.tight_layout()
    return fig

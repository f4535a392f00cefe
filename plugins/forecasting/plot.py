"""The forecast plot: history, the forecast and its interval band, the baselines dashed (the
checkpoint's partners, averaged into the forecast, dotted and marked so), and the held-out actual
values when there are some; the title names the series, and the checkpoint and method that made
the forecast. Built from a result alone."""
from __future__ import annotations

from matplotlib.figure import Figure


def figure(result: dict) -> Figure:
    import pandas as pd

    forecast = result["forecast"]
    # Enough history to see the pattern, not so much that the forecast is a sliver at the edge.
    shown = max(48, 8 * len(forecast))
    history = result["history"][-shown:]
    dated = bool(result.get("history_dates")) and bool(result.get("dates"))
    if dated:
        past = pd.to_datetime(result["history_dates"][-shown:])
        future = pd.to_datetime(result["dates"])
    else:
        past = list(range(-len(history) + 1, 1))
        future = list(range(1, len(forecast) + 1))
    fig = Figure(figsize=(10, 4.6), dpi=100, layout="constrained")
    ax = fig.add_subplot()
    ax.plot(past, history, color="#444444", lw=1.2, label="history")
    # "forecast", not "LSTM forecast": a checkpoint may average its LSTM with a partner (result["method"])
    ax.fill_between(future, result["lower"], result["upper"], color="#f58518", alpha=0.25,
                    label=f"{result['level']:g}% interval")
    ax.plot(future, forecast, color="#f58518", lw=2, label="forecast")
    styles = {"seasonal naive": "#4c78a8", "theta": "#54a24b", "DynamicOptimizedTheta": "#5a5a5a",
              "AutoETS": "#b279a2", "SES-Theta": "#e45756", "Holt-Winters": "#72b7b2",
              "Dynamic-Theta": "#9d755d"}
    partners = set(result.get("partners") or ())
    for name, values in (result.get("baselines") or {}).items():
        ax.plot(future, values, ls=":" if name in partners else "--", lw=1.5 if name in partners else 1.3,
                color=styles.get(name, "#888888"), label=f"{name} (partner)" if name in partners else name)
    if result.get("actual"):
        ax.plot(future, result["actual"], "o", ms=3.5, color="black", label="actual (held out)")
    ax.axvline(past[-1], color="#bbbbbb", lw=0.8)
    ax.set_xlabel("date" if dated else "step (0 = last value used)")
    if result.get("name"):
        ax.set_title(result["name"], fontsize=10, loc="left")
    made_by = result.get("method", "").replace(", weighted mean of the medians", "")
    if result.get("checkpoint"):
        made_by = f"{result['checkpoint']}: {made_by}"
    ax.set_title(f"forecast: {made_by}", fontsize=8, loc="right", color="#555555")
    # Below the axes, so it never hides a part of the series.
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.13), fontsize=8, ncol=6, frameon=False)
    ax.grid(alpha=0.25)
    return fig

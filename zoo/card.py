"""Model cards: a README.md with Hub YAML metadata, rendered by huggingface_hub's ModelCard."""
from __future__ import annotations

import json

from huggingface_hub import ModelCard, ModelCardData

# The part of this module that plugins use (docs/plugins.md, "The plugin API").
__all__ = ["metrics_table", "render"]

TEMPLATE = """---
{{ card_data }}
---

# {{ title }}

{{ summary }}

## How to use

```python
import zoo
pipe = zoo.pipeline("{{ task }}", checkpoint="{{ repo_id }}")
print(pipe({{ example }}))
```

or `python -m zoo predict {{ task }} {{ example }} --checkpoint {{ repo_id }}`, or the
`/{{ task }}` endpoint of the LSTM Zoo app.

## Model

{{ model }}

## Data and split

{{ data }}

## Training

{{ training }}

## Evaluation

Measured by `{{ eval_command }}` on {{ eval_n }} {{ eval_split }} examples{{ eval_date }}:

{{ metrics_table }}

## Limitations

{{ limitations }}

## Files

`config.json` (architecture, preprocessor settings, labels, metrics and how they were made),
`model.safetensors` (weights), {{ preprocessor_files }}, and this card.
"""


def metrics_table(metrics: dict, baselines: dict, label: str = "this model") -> str:
    names = sorted({k for m in [metrics, *baselines.values()] for k in m if isinstance(m.get(k), (int, float))})
    rows = ["| model | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
    for name, values in [(label, metrics), *baselines.items()]:
        cells = [f"{values[n]:.4f}" if isinstance(values.get(n), float) else str(values.get(n, "")) for n in names]
        rows.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(rows)


def render(*, task: str, repo_id: str, title: str, summary: str, model: str, data: str, training: str,
           evaluation: dict, limitations: str, preprocessor_files: str, example: str, license: str,
           pipeline_tag: str, datasets: list[str], tags: list[str], language: str | list[str] | None = "en") -> str:
    """``evaluation``: ``{"command", "split", "n", "metrics", "baselines", "date"}`` from an eval run
    (and optionally ``"label"``: the metrics row's name, "this model" by default)."""
    card_data = ModelCardData(
        library_name="lstm-zoo", pipeline_tag=pipeline_tag, license=license, datasets=datasets,
        metrics=sorted(evaluation["metrics"]), tags=["lstm", "pytorch", "lstm-zoo", task, *tags], language=language,
    )
    card = ModelCard.from_template(
        card_data, template_str=TEMPLATE, title=title, summary=summary, task=task, repo_id=repo_id,
        example=json.dumps(example), model=model, data=data, training=training,
        eval_command=evaluation["command"], eval_split=evaluation["split"], eval_n=evaluation["n"],
        eval_date=f" ({evaluation['date']})" if evaluation.get("date") else "",
        metrics_table=metrics_table(evaluation["metrics"], evaluation.get("baselines", {}),
                                    evaluation.get("label", "this model")),
        limitations=limitations, preprocessor_files=preprocessor_files,
    )
    return str(card)

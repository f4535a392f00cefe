"""Translation training's checkpoint averaging: ``--snapshots`` keeps each epoch's weights and
``--average N`` serves the element-wise mean of the last N (what en-es ships)."""
import json
import shutil
from pathlib import Path

import pytest
import torch
from safetensors.torch import save_file

from plugins.translation import train
from plugins.translation.model import Seq2Seq
from zoo.errors import InputError
from zoo.training import RunFolder

BUNDLED = Path(__file__).parents[1] / "plugins" / "translation" / "checkpoints" / "en-es"
ARCH = {"source_vocab": 40, "target_vocab": 50, "attention": True}


def _snapshots(run, epochs):
    (run / "snapshots").mkdir(parents=True)
    states = []
    for epoch in epochs:
        torch.manual_seed(epoch)
        state = {k: v.contiguous() for k, v in Seq2Seq(**ARCH).state_dict().items()}
        save_file(state, str(run / "snapshots" / f"epoch-{epoch}.safetensors"))
        states.append(state)
    return states


def test_average_is_the_mean_of_the_last_n_epochs_in_epoch_order_not_name_order(tmp_path):
    states = _snapshots(tmp_path, [2, 9, 10])  # "epoch-10" sorts before "epoch-2" by name
    mean, names = RunFolder(tmp_path).averaged(2)
    assert names == ["epoch-9.safetensors", "epoch-10.safetensors"]
    for key, value in mean.items():
        torch.testing.assert_close(value, (states[1][key] + states[2][key]) / 2)


def test_a_run_loads_averaged_and_says_which_snapshots_it_used(tmp_path):
    states = _snapshots(tmp_path, [1, 2])
    for name in ("source_tokenizer.json", "target_tokenizer.json"):
        shutil.copy(BUNDLED / name, tmp_path / name)
    (tmp_path / "state.json").write_text(json.dumps({"step": 7, "architecture": ARCH, "args": {}, "history": []}))
    model, _, meta = train.load_run(tmp_path, average=2)
    assert meta["averaged"] == ["epoch-1.safetensors", "epoch-2.safetensors"] and meta["step"] == 7
    for key, value in model.state_dict().items():
        torch.testing.assert_close(value, (states[0][key] + states[1][key]) / 2)


def test_asking_for_more_snapshots_than_the_run_kept_is_a_clear_error(tmp_path):
    _snapshots(tmp_path, [1])
    with pytest.raises(InputError, match=r"--average 3: .* holds 1 epoch snapshots \(train with --snapshots\)"):
        RunFolder(tmp_path).averaged(3)


def test_a_continued_run_carries_the_lineage_of_the_run_it_started_from(tmp_path):
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    (first / "state.json").write_text(json.dumps({"step": 100, "args": {"epochs": 6, "lr": 2e-3}, "history": []}))
    meta = {"step": 40, "args": {"epochs": 2, "lr": 5e-4}, "averaged": ["epoch-1.safetensors", "epoch-2.safetensors"],
            "init": {"from": str(first), "averaged": ["epoch-6.safetensors"]}}
    stages = train.lineage(meta)
    assert stages == [{"epochs": 6, "lr": 2e-3, "steps": 100, "averaged": ["epoch-6.safetensors"]},
                      {"epochs": 2, "lr": 5e-4, "steps": 40, "averaged": ["epoch-1.safetensors", "epoch-2.safetensors"]}]
    assert train.describe(stages) == ("6 epochs at lr 0.002 from scratch, averaging its last 1 epoch snapshots, then "
                                      "continued with `--init` (each time a fresh warm-up and cosine decay): 2 epochs "
                                      "at lr 0.0005, averaging its last 2 epoch snapshots")
    # Recorded at --init time, the lineage no longer needs the earlier run's folder.
    assert train.lineage({**meta, "init": {"from": str(second), "lineage": stages[:1]}}) == stages


def test_an_averaged_run_exports_as_a_checkpoint_that_loads_and_names_its_lineage(tmp_path):
    """The whole --export path on an untrained full-size model (test scores on 4 pairs): needs the
    Bible pairs in the cache, as the eval test does."""
    from helpers import require_translation_data

    from plugins.translation.task import TranslationTask
    from zoo.checkpoint import content_revision, read_config
    from zoo.pipelines import load_folder

    require_translation_data()
    run, out = tmp_path / "run", tmp_path / "out"
    arch = {"source_vocab": 8000, "target_vocab": 8000, "attention": True}
    (run / "snapshots").mkdir(parents=True)
    for epoch in (1, 2):
        torch.manual_seed(epoch)
        save_file({k: v.contiguous() for k, v in Seq2Seq(**arch).state_dict().items()},
                  str(run / "snapshots" / f"epoch-{epoch}.safetensors"))
    for name in ("source_tokenizer.json", "target_tokenizer.json"):
        shutil.copy(BUNDLED / name, run / name)
    args = {"epochs": 2, "lr": 1e-3, "smoothing": 0.1, "batch_tokens": 2500}
    (run / "state.json").write_text(json.dumps({"step": 10, "architecture": arch, "args": args, "history": []}))

    result = train.export(run, out, ablation=BUNDLED.parent / "en-es-noattn", limit=4, average=2)

    assert result["revision"] == content_revision(out) and result["test"]["n"] == 4
    training = read_config(out, "exported")["training"]
    assert training["averaged"] == ["epoch-1.safetensors", "epoch-2.safetensors"]
    assert training["lineage"] == [{"epochs": 2, "lr": 1e-3, "steps": 10, "averaged": training["averaged"]}]
    assert "2 epochs at lr 0.001, averaging its last 2 epoch snapshots (10 steps in all)" in (out / "README.md").read_text()
    assert "ablation: no attention, beam 5" in read_config(out, "exported")["evaluation"]["baselines"]
    pipe = load_folder(TranslationTask(), out, torch.device("cpu"))
    mean = RunFolder(run).averaged(2)[0]["out.weight"]
    torch.testing.assert_close(pipe.model.out.weight.float(), mean, atol=1e-3, rtol=1e-2)  # stored as fp16

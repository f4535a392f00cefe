"""How a checkpoint's weights are stored: fp16 by default, or int8 for large matrices (one scale
per row, ``save_checkpoint(weights_dtype="int8")`` / ``repack_weights``) to keep Hub repos and
bundles small. Either way the model loads strictly and computes in its own dtype."""
import pytest
import torch
from safetensors import safe_open
from safetensors.torch import load_file, save_file
from toy import CARD, ToyTask, ToyVocab

from zoo import CheckpointError
from zoo.checkpoint import INT8_SCALE, WEIGHTS, repack_weights, save_checkpoint
from zoo.pipelines import load_folder

CONFIG = {"architecture": {"vocab": 8, "hidden": 128}, "metrics": {"dummy": 1.0},
          "evaluation": {"command": "none: a test fixture"}}


def _saved(folder, weights_dtype):
    torch.manual_seed(0)
    task = ToyTask()
    model = task.build_model(CONFIG)
    save_checkpoint(folder, task, model, ToyVocab("abc "), CONFIG, CARD, weights_dtype=weights_dtype)
    return model


def test_int8_storage_keeps_large_matrices_as_int8_with_row_scales_and_loads_close_to_the_original(tmp_path):
    model = _saved(tmp_path, "int8")
    with safe_open(str(tmp_path / WEIGHTS), framework="pt") as f:
        dtypes = {k: f.get_slice(k).get_dtype() for k in f.keys()}
    assert dtypes["lstm.weight_ih_l0"] == "I8" and dtypes["lstm.weight_ih_l0" + INT8_SCALE] == "F32"
    assert dtypes["lstm.bias_ih_l0"] == "F16" and dtypes["embed.weight"] == "F16"  # small: fp16

    loaded = load_folder(ToyTask(), tmp_path, torch.device("cpu")).model
    for name, original in model.state_dict().items():
        got = loaded.state_dict()[name]
        assert got.dtype == torch.float32
        row_max = original.abs().amax(dim=-1, keepdim=True) if original.dim() == 2 else original.abs().max()
        assert bool(((got - original).abs() <= row_max / 254 + 1e-3).all()), name


def test_repacking_halves_the_weights_file_and_repacking_again_changes_no_tensor(tmp_path):
    _saved(tmp_path, torch.float16)
    fp16 = (tmp_path / WEIGHTS).stat().st_size
    repack_weights(tmp_path, "int8")
    assert (tmp_path / WEIGHTS).stat().st_size < 0.6 * fp16
    once = load_file(str(tmp_path / WEIGHTS))
    repack_weights(tmp_path, "int8")  # the same ints and scales (the header's key order may differ)
    again = load_file(str(tmp_path / WEIGHTS))
    assert once.keys() == again.keys() and all(torch.equal(once[k], again[k]) for k in once)
    with safe_open(str(tmp_path / WEIGHTS), framework="pt") as f:
        assert f.metadata() == {"format": "pt", "task": "toy"}


def test_scales_without_their_weight_are_refused(tmp_path):
    _saved(tmp_path, "int8")
    state = load_file(str(tmp_path / WEIGHTS))
    del state["lstm.weight_hh_l0"]
    save_file(state, str(tmp_path / WEIGHTS))
    with pytest.raises(CheckpointError):
        load_folder(ToyTask(), tmp_path, torch.device("cpu"))

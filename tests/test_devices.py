"""Device selection: explicit, never a silent fallback; the CUDA path runs where a GPU exists."""
import pytest
import torch

import zoo
from zoo import DeviceError
from zoo.devices import resolve_device, resolve_dtype


def test_cpu_and_auto():
    assert resolve_device("cpu").type == "cpu"
    assert resolve_device("auto").type == ("cuda" if torch.cuda.is_available() else "cpu")
    with pytest.raises(DeviceError, match="unknown device"):
        resolve_device("tpu")


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the no-GPU error")
def test_cuda_without_gpu_raises():
    with pytest.raises(DeviceError, match="no CUDA GPU"):
        resolve_device("cuda")


def test_half_precision_is_cuda_only():
    with pytest.raises(DeviceError, match="only supported on CUDA"):
        resolve_dtype(torch.device("cpu"), "float16")


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
@pytest.mark.parametrize("dtype", ["float32", "float16"])
def test_sentiment_on_cuda_matches_cpu(dtype):
    texts = ["A warm, funny film.", "Tedious and dull.", "Not bad at all, really."]
    cpu = zoo.pipeline("sentiment", device="cpu").batch(texts)
    gpu = zoo.pipeline("sentiment", device="cuda", dtype=dtype).batch(texts)
    assert next(zoo.pipeline("sentiment", device="cuda", dtype=dtype).model.parameters()).is_cuda
    for a, b in zip(cpu, gpu):
        assert a["label"] == b["label"]
        assert a["probabilities"]["positive"] == pytest.approx(b["probabilities"]["positive"], abs=2e-2)

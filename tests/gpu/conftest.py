"""The GPU lane: these tests run where CUDA is present and are skipped elsewhere
(benchmarks/gpu_check.sh runs them with a sampling benchmark)."""

import pytest
import torch


def pytest_collection_modifyitems(config, items):
    if torch.cuda.is_available():
        return
    skip = pytest.mark.skip(reason="needs a CUDA GPU (the GPU lane: benchmarks/gpu_check.sh)")
    for item in items:
        if "tests/gpu/" in str(item.fspath).replace("\\", "/"):
            item.add_marker(skip)


@pytest.fixture(scope="session")
def gpu_engine(small_model_dir):
    from core.sampling.engine import Engine

    engine = Engine.load(str(small_model_dir), progress=lambda _msg: None)
    assert engine.info.device.startswith("cuda"), engine.info.device
    return engine

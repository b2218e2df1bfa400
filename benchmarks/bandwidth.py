"""The machine's limits for bench_sampling.py, measured with torch on the model's device (on a
CPU, with all its threads): memory read bandwidth (the bound on decoding one row, which reads every weight once per token) and a
large matrix product's throughput (a proxy for the compute bound at many rows: an honest lower
bound on peak FLOP/s, not the chip's datasheet figure). Each is the best of several runs: on a
shared machine, noise only ever makes a run slower."""

from __future__ import annotations

import time

import torch

BUFFER_BYTES = 512 << 20  # far beyond any cache
REPEATS = 7


def _best_seconds(work, device: torch.device, repeats: int = REPEATS) -> float:
    def timed() -> float:
        started = time.perf_counter()
        work()
        if device.type == "cuda":
            torch.cuda.synchronize(device)  # kernels run asynchronously: wait for them
        return time.perf_counter() - started

    timed()  # first touch: page faults, allocations and kernel choice are not the steady state
    return min(timed() for _ in range(repeats))


def read_bandwidth_gbs(device: torch.device, nbytes: int = BUFFER_BYTES) -> float:
    """GB/s of streaming reads (a sum over a buffer): what decoding weights needs."""
    buffer = torch.ones(nbytes // 4, dtype=torch.float32, device=device)
    return nbytes / _best_seconds(buffer.sum, device) / 1e9


def copy_bandwidth_gbs(device: torch.device, nbytes: int = BUFFER_BYTES // 2) -> float:
    """GB/s moved by a large copy, read and write counted: the figure people usually quote."""
    source = torch.ones(nbytes // 4, dtype=torch.float32, device=device)
    target = torch.empty_like(source)
    return 2 * nbytes / _best_seconds(lambda: target.copy_(source), device) / 1e9


def matmul_gflops(device: torch.device, dtype: torch.dtype, size: int = 2048) -> float:
    """GFLOP/s of a size x size matrix product in `dtype`."""
    a, b = (torch.randn(size, size, device=device).to(dtype) for _ in range(2))
    return 2 * size**3 / _best_seconds(lambda: a @ b, device, repeats=5) / 1e9

"""Benchmark: NumPy LSTM forward + BPTT (verify.models.lstm.sequence) vs torch.nn.LSTM on CPU.

Same weights, inputs and upstream gradient for both; both compute the gradients of the
inputs, the initial state and all weights. Warm-up runs, then numpy and torch repeats
in interleaved blocks (so background load hits both alike), medians reported. The last line is
``ratio numpy/torch: R``.

Threads: numpy's BLAS and torch get the same count (default 2, this machine's cores):
OPENBLAS_NUM_THREADS/OMP_NUM_THREADS/MKL_NUM_THREADS are set before numpy is imported,
and torch.set_num_threads(n), torch.set_num_interop_threads(1).

Usage: python bench/lstm_speed.py [--threads 2] [--repeats 15] [--dtype float32]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--hidden", type=int, default=256)
    parser.add_argument("--input", type=int, default=256)
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--dtype", choices=("float32", "float64"), default="float32")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--block", type=int, default=5, help="consecutive runs per library")
    parser.add_argument("--seed", type=int, default=0)
    return parser.parse_args(argv)


def timed(run: Callable[[], Any]) -> tuple[float, float]:
    """(wall-clock seconds, process CPU seconds) of one call."""
    wall, cpu = time.perf_counter(), time.process_time()
    run()
    return time.perf_counter() - wall, time.process_time() - cpu


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    # BLAS reads these once, when numpy is first imported: set them before that.
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(args.threads)
    import numpy as np
    import torch

    from verify.models.lstm.cell import LSTMParams
    from verify.models.lstm.sequence import SequenceWorkspace, sequence_backward, sequence_forward
    from verify.models.lstm.torch_convert import grads_from_torch, to_torch_lstm

    torch.set_num_threads(args.threads)
    torch.set_num_interop_threads(1)
    rng = np.random.default_rng(args.seed)
    dtype = np.dtype(args.dtype)
    shape = (args.steps, args.batch)
    params = LSTMParams.random(args.input, args.hidden, rng=rng, dtype=dtype)
    xs = rng.standard_normal(shape + (args.input,)).astype(dtype)
    h0 = (0.1 * rng.standard_normal((args.batch, args.hidden))).astype(dtype)
    c0 = (0.1 * rng.standard_normal((args.batch, args.hidden))).astype(dtype)
    dhs = rng.standard_normal(shape + (args.hidden,)).astype(dtype)

    workspace = SequenceWorkspace()

    def numpy_step(ws: SequenceWorkspace | None = workspace) -> Any:
        _, _, cache = sequence_forward(xs, h0, c0, params, workspace=ws)
        return sequence_backward(dhs, cache, workspace=ws)

    module = to_torch_lstm(params)
    x_t = torch.from_numpy(xs).requires_grad_(True)
    h0_t = torch.from_numpy(h0[None]).requires_grad_(True)
    c0_t = torch.from_numpy(c0[None]).requires_grad_(True)
    dhs_t = torch.from_numpy(dhs)

    def torch_step() -> None:
        for tensor in (x_t, h0_t, c0_t):
            tensor.grad = None
        module.zero_grad(set_to_none=True)
        out, _ = module(x_t, (h0_t, c0_t))
        out.backward(dhs_t)

    # Same function, same numbers: check before timing anything.
    ours = numpy_step().flat()
    torch_step()
    assert x_t.grad is not None and h0_t.grad is not None and c0_t.grad is not None
    theirs = {"xs": x_t.grad.numpy(), "h0": h0_t.grad[0].numpy(), "c0": c0_t.grad[0].numpy(),
              **grads_from_torch(module)}
    worst = max(float(np.max(np.abs(ours[k] - v)) / (float(np.max(np.abs(v))) + 1e-30))
                for k, v in theirs.items())
    print(f"max relative gradient difference numpy vs torch ({args.dtype}): {worst:.2e}")

    for _ in range(args.warmup):
        numpy_step()
        numpy_step(None)
        torch_step()
    # Blocks of repeats, the blocks interleaved: background load hits both alike, while
    # within a block neither library's idle-spinning worker threads (OpenBLAS, OpenMP)
    # steal the cores from the other's run right after a switch.
    runs: dict[str, list[tuple[float, float]]] = {"numpy": [], "numpy_fresh": [], "torch": []}
    steps: dict[str, Callable[[], Any]] = {"numpy": numpy_step, "torch": torch_step,
                                           "numpy_fresh": lambda: numpy_step(None)}
    done = 0
    while done < args.repeats:
        block = min(args.block, args.repeats - done)
        for name, step in steps.items():
            runs[name].extend(timed(step) for _ in range(block))
        done += block
    times = {name: [wall for wall, _ in values] for name, values in runs.items()}
    cpu = {name: statistics.median(c for _, c in values) for name, values in runs.items()}
    median = {name: statistics.median(values) for name, values in times.items()}

    print(f"shape: T={args.steps} batch={args.batch} input={args.input} hidden={args.hidden} "
          f"{args.dtype}; {args.warmup} warm-up runs, {args.repeats} repeats each in "
          f"interleaved blocks of {args.block}")
    print(f"threads: numpy BLAS {args.threads} (OPENBLAS/OMP/MKL_NUM_THREADS), "
          f"torch {torch.get_num_threads()} intra-op + 1 inter-op (torch {torch.__version__}, "
          f"numpy {np.__version__})")
    print(f"numpy forward+BPTT, reused workspace: median {median['numpy'] * 1e3:.1f} ms "
          f"(min {min(times['numpy']) * 1e3:.1f})")
    print(f"numpy forward+BPTT, fresh buffers:    median {median['numpy_fresh'] * 1e3:.1f} ms "
          f"(min {min(times['numpy_fresh']) * 1e3:.1f})")
    print(f"torch.nn.LSTM forward+backward:       median {median['torch'] * 1e3:.1f} ms "
          f"(min {min(times['torch']) * 1e3:.1f})")
    # CPU time is robust to other processes sharing the cores, but with more than one
    # thread it also counts BLAS/OpenMP threads spinning while they wait: compare at 1 thread.
    print(f"process CPU time medians: numpy {cpu['numpy'] * 1e3:.1f} ms, torch "
          f"{cpu['torch'] * 1e3:.1f} ms, ratio {cpu['numpy'] / cpu['torch']:.2f}")
    print(f"ratio of minima numpy/torch: {min(times['numpy']) / min(times['torch']):.2f}")
    print(f"ratio numpy/torch (fresh buffers): {median['numpy_fresh'] / median['torch']:.2f}")
    print(f"ratio numpy/torch: {median['numpy'] / median['torch']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

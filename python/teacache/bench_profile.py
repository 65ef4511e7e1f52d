"""Profile the per-step path of the TeaCache forward on the small bench model, and time what
could be avoided in it (`python -m teacache.bench_profile [--compile] --json OUT`).

Everything here is measurement: the fixed plans (compute every step; compute step 0 then
reuse) stand in for the TypeScript policy so the mechanism's own cost is seen without the bridge.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time

import torch

from . import bench, distance


def _median_us(fn, repeats: int = 200) -> float:
    fn()
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1e6


def profile_steps(transformer, inputs, steps: int) -> dict:
    """torch.profiler over patched computed and skipped steps: what runs outside the blocks, and how often."""
    from torch.profiler import ProfilerActivity, profile

    result = {}
    for name, plan in (("computed", lambda i: True), ("skipped", lambda i: i == 0)):
        bench._step_times(transformer, inputs, "cpu", 1, schedule=plan)  # warm-up
        with profile(activities=[ProfilerActivity.CPU], profile_memory=True) as prof:
            times, _ = bench._step_times(transformer, inputs, "cpu", steps, schedule=plan)
        events = {e.key: e for e in prof.key_averages()}
        per_step = lambda key, attr: getattr(events[key], attr) / (steps + 1) if key in events else 0  # noqa: E731
        result[name] = {
            "step_ms": statistics.median(times) * 1e3,
            "item_calls_per_step": per_step("aten::item", "count"),
            "sub_calls_per_step": per_step("aten::sub", "count"),
            "add_calls_per_step": per_step("aten::add", "count"),
            "allocations_per_step": per_step("[memory]", "count"),
            "top_ops_self_ms": sorted(
                ((e.key, round(e.self_cpu_time_total / 1e3 / (steps + 1), 3)) for e in prof.key_averages()),
                key=lambda kv: -kv[1],
            )[:8],
        }
    return result


def mechanism_costs(transformer, inputs) -> dict:
    """Microseconds of each piece the TeaCache forward adds, at the small model's shapes."""
    latents, text, _, _ = inputs
    t = torch.tensor([500, 500])
    with torch.no_grad():
        emb = distance.embed_timestep(transformer, t, None, None, latents.dtype)
        previous = distance.embed_timestep(transformer, t - 10, None, None, latents.dtype)
        tokens = transformer.patch_embed(text, latents)
        video = tokens[:, text.shape[1]:]
        out = torch.empty_like(video)
        return {
            "video_tokens_shape": list(video.shape),
            "embed_timestep_us": _median_us(lambda: distance.embed_timestep(transformer, t, None, None, latents.dtype)),
            "relative_l1_item_us": _median_us(lambda: distance.relative_l1(emb, previous)),
            "timestep_item_us": _median_us(lambda: float(t.flatten()[0].item())),
            "residual_sub_alloc_us": _median_us(lambda: video - tokens[:, text.shape[1]:]),
            "residual_sub_out_us": _median_us(lambda: torch.sub(video, tokens[:, text.shape[1]:], out=out)),
            "skip_add_alloc_us": _median_us(lambda: video + out),
            "skip_add_inplace_us": _median_us(lambda: video.clone().add_(out)) - _median_us(lambda: video.clone()),
        }


def large_buffer_costs(shape: tuple[int, ...]) -> dict:
    """The residual subtraction with and without a fresh allocation, at a shape above glibc's mmap threshold."""
    a, b = torch.randn(shape), torch.randn(shape)
    out = torch.empty(shape)
    return {
        "shape": list(shape),
        "megabytes": a.numel() * 4 / 2**20,
        "sub_alloc_us": _median_us(lambda: a - b, 20),
        "sub_out_us": _median_us(lambda: torch.sub(a, b, out=out), 20),
    }


def compile_trial(transformer, inputs, steps: int) -> dict:
    """torch.compile on each block (the TeaCache forward stays eager) against eager, on this CPU."""
    _, reference = bench._step_times(transformer, inputs, "cpu", 2)
    # Many short alternating rounds: a shared CPU's load shifts within seconds.
    return bench._compile_blocks(transformer, inputs, "cpu", 2, reference, rounds=4 * steps)


def hop_trial(transformer, inputs, rounds: int, threads: int) -> dict:
    """What a cross-process round trip inside every step costs, apart from the bridge: each step's
    plan is answered either in-process or by an echo process over a pipe (as the bridge answers)."""
    import subprocess

    torch.set_num_threads(threads)
    echo = subprocess.Popen([sys.executable, "-u", "-c", "import sys\nfor line in sys.stdin: print(line, end='', flush=True)"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)
    hops: list[float] = []

    def remote(_index):
        started = time.perf_counter()
        echo.stdin.write("x\n")
        echo.stdin.flush()
        echo.stdout.readline()
        hops.append(time.perf_counter() - started)
        return True

    plans = {"in_process": lambda _index: True, "hop": remote}
    medians = {name: [] for name in plans}
    try:
        for plan in plans.values():
            bench._step_times(transformer, inputs, "cpu", 2, schedule=plan)
        for r in range(rounds):
            for name in (list(plans) if r % 2 == 0 else list(plans)[::-1]):
                times, _ = bench._step_times(transformer, inputs, "cpu", 5, schedule=plans[name])
                medians[name].append(statistics.median(times))
    finally:
        echo.stdin.close()
        echo.wait()
    return {
        "threads": threads,
        "step_ms": {name: statistics.median(v) * 1e3 for name, v in medians.items()},
        "paired_ratio": statistics.median(h / i for i, h in zip(medians["in_process"], medians["hop"])),
        "hop_ms_median": statistics.median(hops) * 1e3,
    }


ENVIRONMENTS = {
    "default": {},
    "malloc keeps memory": {"MALLOC_MMAP_THRESHOLD_": str(32 * 2**20), "MALLOC_TRIM_THRESHOLD_": str(2**32 - 1),
                            "MALLOC_TOP_PAD_": str(256 * 2**20)},
    "OMP passive": {"OMP_WAIT_POLICY": "PASSIVE"},
}
ENVIRONMENTS["malloc + OMP passive"] = {**ENVIRONMENTS["malloc keeps memory"], **ENVIRONMENTS["OMP passive"]}


def forward_child(steps: int) -> dict:
    """In a fresh process: unpatched forwards of the small model, and the page faults they cost."""
    import resource

    pipe = bench.build_small()
    spec = dict(pipe.transformer.config)
    inputs = bench._inputs(spec, bench.SMALL_VIDEO, "cpu", torch.float32)
    bench._step_times(pipe.transformer, inputs, "cpu", 2)
    before = resource.getrusage(resource.RUSAGE_SELF)
    times, _ = bench._step_times(pipe.transformer, inputs, "cpu", steps)
    after = resource.getrusage(resource.RUSAGE_SELF)
    return {"step_ms": statistics.median(times) * 1e3, "step_ms_min_max": [min(times) * 1e3, max(times) * 1e3],
            "page_faults_per_step": (after.ru_minflt - before.ru_minflt) / (steps + 1),
            "system_s_per_step": (after.ru_stime - before.ru_stime) / (steps + 1)}


def environments(steps: int) -> dict:
    """The same forwards under each process environment, each in its own Python (they are read at start)."""
    import os
    import subprocess

    result = {}
    for name, extra in ENVIRONMENTS.items():
        env = {k: v for k, v in os.environ.items() if k not in ENVIRONMENTS["malloc + OMP passive"]}
        out = subprocess.run([sys.executable, "-m", "teacache.bench_profile", "--forward-child", str(steps)],
                             env={**env, **extra}, capture_output=True, text=True, check=True).stdout
        result[name] = json.loads(out.strip().splitlines()[-1])
    return result


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m teacache.bench_profile")
    parser.add_argument("--json")
    parser.add_argument("--steps", type=int, default=6)
    parser.add_argument("--compile", action="store_true", help="also try torch.compile on the blocks")
    parser.add_argument("--environments", action="store_true", help="also time forwards under malloc/OpenMP settings")
    parser.add_argument("--hop", action="store_true", help="also time a cross-process round trip inside each step")
    parser.add_argument("--forward-child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.forward_child:
        print(json.dumps(forward_child(args.forward_child)))
        return 0
    if not args.json:
        parser.error("--json is required")
    pipe = bench.build_small()
    spec = {**dict(pipe.transformer.config), "max_text_seq_length": pipe.transformer.config.max_text_seq_length}
    inputs = bench._inputs(spec, bench.SMALL_VIDEO, "cpu", torch.float32)
    transformer = pipe.transformer
    result = {
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "profile": profile_steps(transformer, inputs, args.steps),
        "mechanism_us": mechanism_costs(transformer, inputs),
        "large_buffer": large_buffer_costs((2, 4096, 3072)),
    }
    if args.compile:
        result["compile"] = compile_trial(transformer, inputs, args.steps)
    if args.hop:
        threads = torch.get_num_threads()
        result["hop"] = [hop_trial(transformer, inputs, 4 * args.steps, n) for n in sorted({threads, 1}, reverse=True)]
        torch.set_num_threads(threads)
    if args.environments:
        result["environments"] = environments(4 * args.steps)
    with open(args.json, "w") as f:
        json.dump(result, f, indent=2)
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

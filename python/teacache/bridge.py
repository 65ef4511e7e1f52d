"""The only Python module the TypeScript bridge imports: a small session API over the pipeline.

Everything exchanged is a number, a string, a path or a short list/dict of those; every entry
answers as answers.py writes it.
"""

from __future__ import annotations

import json
import resource
import sys
from typing import Callable, Optional

import torch

from . import attach, compiled, compute, generate, methods, pipeline, process
from .answers import entry
from .request import parse as parse_request


class Session:
    def __init__(self) -> None:
        process.quiet()
        self.pipe = None
        self.facts: Optional[dict] = None
        self._embeddings: dict = {}
        self._latents = None

    def versions(self) -> dict:
        return pipeline.versions()

    def load(self, model: str, device: str, dtype: str, vae_slicing: bool, vae_tiling: bool,
             cpu_offload: str, threads: int = 0, trust_remote_code: bool = False) -> dict:
        if threads > 0:
            torch.set_num_threads(threads)
        import time

        started = time.perf_counter()
        self.pipe, self.facts = pipeline.load(
            model, device, dtype, vae_slicing, vae_tiling, cpu_offload, trust_remote_code
        )
        self._embeddings.clear()
        return {**self.facts, "seconds": time.perf_counter() - started}

    def encode_prompt(self, prompt: str, negative_prompt: Optional[str], guidance_scale: float) -> dict:
        key = (prompt, negative_prompt, guidance_scale > 1.0)
        if key in self._embeddings:
            return {"seconds": 0.0, "cached": True}
        self._embeddings[key], seconds = generate.encode_prompt(
            self.pipe, self.facts, prompt, negative_prompt, guidance_scale
        )
        return {"seconds": seconds, "cached": False}

    def warmup(self, steps: int, guidance_scale: float, use_dynamic_cfg: bool, height: int, width: int,
               frames: int, compile: str = "none", decide=None, on_step=None) -> dict:
        """An untimed generation before the first timed one; reports the compile time it absorbed.
        `decide` / `on_step` take the paths a timed run takes (the TeaCache forward and its callback,
        or the stock forward and its progress callback).

        Compilation happens on the compiled blocks' first call, so it is the first warm-up step's
        time beyond the second's (both steps compute every block at the same shapes).
        """
        fresh = compiled.use(self.pipe.transformer, compile)
        result = generate.warmup(
            self.pipe, self.facts, steps=steps, guidance_scale=guidance_scale, use_dynamic_cfg=use_dynamic_cfg,
            height=height, width=width, frames=frames, decide=decide, on_step=on_step, compile=compile,
        )
        step_s = result["step_seconds"]
        result["compile_seconds"] = max(0.0, step_s[0] - step_s[1]) if fresh and len(step_s) > 1 else 0.0
        return result

    def denoise(self, request: str, decide=None, on_step=None) -> dict:
        """One denoising loop for one request (JSON text of TypeScript's DenoiseArgs): TeaCache
        (`decide`), one of diffusers' caches (`method`) or neither. `compute` counts the work that
        really ran (eager blocks only); calibration also records MagCache's residual ratios."""
        r = parse_request(request)
        embeddings = self._embeddings[r.embeddings_key]
        self._latents = None
        pipe = self.pipe
        method = None if r.method is None else methods.MethodConfig(
            r.method.name, r.method.params, r.steps, current_timestep=lambda: pipe.current_timestep
        )
        if method is not None and decide is not None:
            raise pipeline.InputError(f"method: {method.name} runs on diffusers' own forward with eager blocks, without TeaCache")
        plan = attach.Attachments(
            compile=r.compile, method=method, residual_ratios=r.record_outputs,
            counters=compute.CounterConfig() if r.compile == "none" else None,
        )
        if self.facts["device"].startswith("cuda"):
            torch.cuda.reset_peak_memory_stats()
        result = generate.denoise(
            pipe, self.facts, embeddings, decide=decide, on_step=on_step, image=r.image, seed=r.seed, steps=r.steps,
            guidance_scale=r.guidance_scale, use_dynamic_cfg=r.use_dynamic_cfg, height=r.height, width=r.width,
            frames=r.frames, record_outputs=r.record_outputs, generator=r.generator, attachments=plan,
        )
        self._latents = result.pop("latents")
        return result

    def check_method(self, name: str, params: str, steps: int) -> Optional[str]:
        """Why a cache method cannot work on the loaded transformer (None: it can); params as JSON text."""
        return methods.check(self.pipe.transformer, name, json.loads(params), steps)

    def decode(self, frames_dir: Optional[str]) -> dict:
        """Decode the last denoise; frames_dir None times the decode without writing frames (repeats)."""
        if self._latents is None:
            raise RuntimeError("decode called before a successful denoise")
        try:
            return generate.decode(self.pipe, self.facts, self._latents, frames_dir)
        finally:
            self._latents = None

    def indicator_trace(self, steps: int, guidance_scale: float) -> dict:
        return generate.indicator_trace(self.pipe, self.facts, steps, guidance_scale)

    def bridge_roundtrip(self, callback, calls: int) -> list:
        """Seconds per Python -> TypeScript call of `callback(index, timestep, distance)`: the per-step cost."""
        import time

        samples = []
        for i in range(calls):
            started = time.perf_counter()
            callback(i, 999.0, 0.1)
            samples.append(time.perf_counter() - started)
        return samples

    def lpips(self, reference: str, candidate: str, alexnet: str, linear: str) -> dict:
        from . import lpips_metric

        return lpips_metric.measure_dirs(reference, candidate, alexnet, linear)

    def memory(self) -> dict:
        device_peak = None
        if self.facts and self.facts["device"].startswith("cuda"):
            device_peak = int(torch.cuda.max_memory_allocated())
        host_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * (1 if sys.platform == "darwin" else 1024)
        return {"device_peak_bytes": device_peak, "host_peak_rss_bytes": int(host_peak)}


ENTRIES = ("versions", "load", "encode_prompt", "warmup", "denoise", "check_method", "decode",
           "indicator_trace", "bridge_roundtrip", "lpips", "memory")


class Entries:
    """What TypeScript calls: each Session method, answering with `entry`'s JSON text."""

    def __init__(self, session: Session) -> None:
        self.session = session


def _entry_for(name: str) -> Callable:
    def call(self: Entries, *args, **kwargs):
        return getattr(self.session, name)(*args, **kwargs)

    call.__name__ = call.__qualname__ = name
    return entry(call)


for _name in ENTRIES:
    setattr(Entries, _name, _entry_for(_name))


def open_session() -> Entries:
    process.redirect_output()
    return Entries(Session())

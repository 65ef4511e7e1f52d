"""The only Python module the TypeScript bridge imports: a small session API over the pipeline.

Everything exchanged is a number, a string, a path or a short list/dict of those.
"""

from __future__ import annotations

import base64
import functools
import json
import os
import resource
import sys
import traceback
from typing import Optional

import torch

from . import compiled, compute, generate, mag_ratios, methods, pipeline

# The bridge inherits Node's terminal: keep library chatter and progress bars off it.
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("DIFFUSERS_VERBOSITY", "error")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")


def _redirect_output() -> None:
    """Send this process's stdout/stderr (warnings, library prints) to the log file TS named.

    The bridge itself talks over a separate IPC channel, so fds 1 and 2 are free to move.
    """
    path = os.environ.get("TEACACHE_PYTHON_LOG")
    if not path:
        return
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    sys.stdout.flush()
    sys.stderr.flush()
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)


class BridgeError(Exception):
    """Carries a Python failure to TypeScript as one line the bridge cannot mangle."""


def _reported(method):
    """Turn any exception into a BridgeError whose message is base64 JSON {type, message, input, errno, traceback}.

    `errno` lets TypeScript tell a full disk (ENOSPC, EDQUOT) from a bug without parsing messages.
    """

    @functools.wraps(method)
    def wrapper(*args, **kwargs):
        try:
            return method(*args, **kwargs)
        except Exception as error:  # noqa: BLE001 - every failure must cross the bridge readably
            payload = {
                "type": type(error).__name__,
                "message": str(error),
                "input": isinstance(error, pipeline.InputError),
                "out_of_memory": "OutOfMemoryError" in type(error).__name__ or "out of memory" in str(error).lower(),
                "errno": error.errno if isinstance(error, OSError) and isinstance(error.errno, int) else None,
                "traceback": traceback.format_exc(),
            }
            encoded = base64.b64encode(json.dumps(payload).encode()).decode()
            raise BridgeError(f"TEACACHE_ERROR:{encoded}:END") from None

    return wrapper


def _quiet() -> None:
    import warnings

    warnings.filterwarnings("ignore")
    try:
        from diffusers.utils import logging as dlog
        from transformers.utils import logging as tlog

        dlog.set_verbosity_error()
        dlog.disable_progress_bar()
        tlog.set_verbosity_error()
        tlog.disable_progress_bar()
    except Exception:  # noqa: BLE001 - quieting is best effort
        pass


class Session:
    def __init__(self) -> None:
        _quiet()
        self.pipe = None
        self.facts: Optional[dict] = None
        self._embeddings: dict = {}
        self._latents = None

    @_reported
    def versions(self) -> dict:
        return pipeline.versions()

    @_reported
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

    @_reported
    def encode_prompt(self, prompt: str, negative_prompt: Optional[str], guidance_scale: float) -> dict:
        key = (prompt, negative_prompt, guidance_scale > 1.0)
        if key in self._embeddings:
            return {"seconds": 0.0, "cached": True}
        self._embeddings[key], seconds = generate.encode_prompt(
            self.pipe, self.facts, prompt, negative_prompt, guidance_scale
        )
        return {"seconds": seconds, "cached": False}

    @_reported
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
            height=height, width=width, frames=frames, decide=decide, on_step=on_step,
        )
        step_s = result["step_seconds"]
        result["compile_seconds"] = max(0.0, step_s[0] - step_s[1]) if fresh and len(step_s) > 1 else 0.0
        return result

    @_reported
    def denoise(self, prompt: str, negative_prompt: Optional[str], guidance_scale: float, decide,
                on_step, image: Optional[str], seed: int, steps: int, use_dynamic_cfg: bool, height: int,
                width: int, frames: int, record_outputs: bool = False, generator: str = "cpu",
                compile: str = "none", method: Optional[str] = None) -> dict:
        """One denoising loop: TeaCache (`decide`), one of diffusers' caches (`method`: JSON text of
        {name, params}, since a JS object would arrive as a proxy) or neither. `compute` counts the
        work that really ran (eager blocks only: hooks inside compiled blocks would be compiled
        with them); calibration also records MagCache's residual ratios."""
        embeddings = self._embeddings[(prompt, negative_prompt, guidance_scale > 1.0)]
        self._latents = None
        transformer = self.pipe.transformer
        method = json.loads(method) if method else None
        if method is not None and (decide is not None or compile != "none"):
            raise pipeline.InputError(f"method: {method['name']} runs on diffusers' own forward with eager blocks, without TeaCache")
        compiled.use(transformer, compile)
        if method is None:
            methods.remove(transformer)
        else:
            pipe = self.pipe
            methods.apply(transformer, method["name"], method["params"], steps=steps,
                          current_timestep=lambda: pipe.current_timestep)
        counter = compute.Counter(transformer) if compile == "none" else None
        recorder = mag_ratios.Recorder(transformer) if record_outputs else None
        if self.facts["device"].startswith("cuda"):
            torch.cuda.reset_peak_memory_stats()
        try:
            result = generate.denoise(
                self.pipe, self.facts, embeddings, decide=decide, on_step=on_step, image=image, seed=seed, steps=steps,
                guidance_scale=guidance_scale, use_dynamic_cfg=use_dynamic_cfg, height=height,
                width=width, frames=frames, record_outputs=record_outputs, generator=generator, observer=counter,
            )
        finally:
            if counter is not None:
                counter.close()
            ratios = recorder.close() if recorder is not None else None
            methods.remove(transformer)
        self._latents = result.pop("latents")
        result["compute"] = counter.report() if counter is not None else None
        result["residual_ratios"] = ratios
        return result

    @_reported
    def check_method(self, name: str, params: str, steps: int) -> Optional[str]:
        """Why a cache method cannot work on the loaded transformer (None: it can); params as JSON text."""
        return methods.check(self.pipe.transformer, name, json.loads(params), steps)

    @_reported
    def decode(self, frames_dir: Optional[str]) -> dict:
        """Decode the last denoise; frames_dir None times the decode without writing frames (repeats)."""
        if self._latents is None:
            raise RuntimeError("decode called before a successful denoise")
        try:
            return generate.decode(self.pipe, self.facts, self._latents, frames_dir)
        finally:
            self._latents = None

    @_reported
    def indicator_trace(self, steps: int, guidance_scale: float) -> dict:
        return generate.indicator_trace(self.pipe, self.facts, steps, guidance_scale)

    @_reported
    def bridge_roundtrip(self, callback, calls: int) -> list:
        """Seconds per Python -> TypeScript call of `callback(index, timestep, distance)`: the per-step cost."""
        import time

        samples = []
        for i in range(calls):
            started = time.perf_counter()
            callback(i, 999.0, 0.1)
            samples.append(time.perf_counter() - started)
        return samples

    @_reported
    def lpips(self, reference: str, candidate: str, alexnet: str, linear: str) -> dict:
        from . import lpips_metric

        return lpips_metric.measure_dirs(reference, candidate, alexnet, linear)

    @_reported
    def memory(self) -> dict:
        device_peak = None
        if self.facts and self.facts["device"].startswith("cuda"):
            device_peak = int(torch.cuda.max_memory_allocated())
        host_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * (1 if sys.platform == "darwin" else 1024)
        return {"device_peak_bytes": device_peak, "host_peak_rss_bytes": int(host_peak)}


def open_session() -> Session:
    _redirect_output()
    return Session()

"""Everything one generation attaches to the transformer: put on in one declared order, taken off together.

All of it goes through diffusers' hook registry, as diffusers' own caches do, and each hook
registered on a module wraps the ones registered there before it. So the order, innermost first:

1. blocks (compiled.py): which block list the transformer holds. First, because everything after
   that hooks a block, or a layer inside one, must hook the list that will run.
2. the forward: the TeaCache forward (hook.py, on the transformer) or one of diffusers' caches
   (methods.py, `enable_cache`), never both: each decides on its own what to skip.
3. the residual-ratio recorder (mag_ratios.py) on the first and last block, outside a block
   cache's hook: it sees what the block stack really returned.
4. the indicator (indicator.py) on the embedding modules, with diffusers' own forward only (the
   TeaCache forward measures it itself and hands it to the policy).
5. the counters (compute.py) on the first layer of each piece of work inside the blocks, and on
   the transformer last, so outermost: the input rows are counted before any cache hook there
   (FasterCache's) splits the batch.

`remove` takes them off in the reverse order and reports what they saw. The state of one
generation is kept on the transformer instance, so a new `apply` first clears what an
interrupted one left.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import torch

from . import compiled, compute, hook, indicator, mag_ratios, methods, pipeline

STATE = "_teacache_attached"


@dataclass(frozen=True)
class Attachments:
    """What one generation wants attached (see the module's order)."""

    compile: str = "none"
    teacache: Optional[hook.TeaCacheConfig] = None
    method: Optional[methods.MethodConfig] = None
    residual_ratios: bool = False
    indicator: bool = False
    counters: Optional[compute.CounterConfig] = None


@dataclass
class Attached:
    plan: Attachments
    teacache: Optional[hook.TeaCacheState]
    recorder: Optional[mag_ratios.Recorder]
    watch: Optional[indicator.IndicatorWatch]
    counter: Optional[compute.Counter]

    def step_end(self, index: int) -> None:
        if self.counter is not None:
            self.counter.step_end(index)


def apply(transformer: torch.nn.Module, plan: Attachments) -> Attached:
    if plan.method is not None and (plan.teacache is not None or plan.compile != "none"):
        raise pipeline.InputError(
            f"method: {plan.method.name} runs on diffusers' own forward with eager blocks, without TeaCache"
        )
    remove(transformer)
    compiled.use(transformer, plan.compile)
    teacache = None
    if plan.teacache is not None or plan.method is not None:
        methods.remove(transformer)
    if plan.teacache is not None:
        teacache = hook.apply(transformer)
        teacache.begin(plan.teacache.decide, plan.teacache.num_steps, plan.teacache.record_outputs)
    else:
        hook.remove(transformer)
    attached = Attached(plan, teacache, None, None, None)
    transformer.__dict__[STATE] = attached
    if plan.method is not None:
        methods.apply(transformer, plan.method)
    if plan.residual_ratios:
        attached.recorder = mag_ratios.Recorder(transformer)
    if plan.indicator:
        attached.watch = indicator.IndicatorWatch(transformer).attach()
    if plan.counters is not None and plan.counters.enabled:
        attached.counter = compute.Counter(transformer)
    return attached


def remove(transformer: torch.nn.Module) -> Optional[dict]:
    """Take off what `apply` put on (idempotent); what the hooks saw, or None when nothing was on."""
    attached: Optional[Attached] = transformer.__dict__.pop(STATE, None)
    if attached is None:
        return None
    report = {"block_loops": None, "output_changes": None, "distances": None, "compute": None, "residual_ratios": None}
    if attached.counter is not None:
        attached.counter.close()
        report["compute"] = attached.counter.report()
    if attached.watch is not None:
        attached.watch.detach()
        report["distances"] = attached.watch.distances()
    if attached.recorder is not None:
        report["residual_ratios"] = attached.recorder.close()
    if attached.plan.method is not None:
        methods.remove(transformer)
    if attached.teacache is not None:
        report.update(attached.teacache.end())
        hook.remove(transformer)
    return report

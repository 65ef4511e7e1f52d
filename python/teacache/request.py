"""One generation's request, as TypeScript's `DenoiseArgs` (src/python/engine.ts) sends it.

It crosses as JSON text (a JS object would arrive as a proxy) and is read into a frozen record;
a field this side does not know is an error, not a silently ignored setting.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from typing import Optional


@dataclass(frozen=True)
class MethodRequest:
    """One of diffusers' caches, with the parameters src/methods/*.ts validated."""

    name: str
    params: dict


@dataclass(frozen=True)
class DenoiseRequest:
    prompt: str
    negative_prompt: Optional[str]
    guidance_scale: float
    image: Optional[str]
    seed: int
    steps: int
    use_dynamic_cfg: bool
    height: int
    width: int
    frames: int
    record_outputs: bool = False
    generator: str = "cpu"
    compile: str = "none"
    method: Optional[MethodRequest] = None

    @property
    def embeddings_key(self) -> tuple:
        return (self.prompt, self.negative_prompt, self.guidance_scale > 1.0)


def parse(text: str) -> DenoiseRequest:
    fields = json.loads(text)
    if not isinstance(fields, dict):
        raise TypeError(f"denoise: expected a JSON object, got {type(fields).__name__}")
    known = {f.name for f in dataclasses.fields(DenoiseRequest)}
    unknown = sorted(set(fields) - known)
    if unknown:
        raise TypeError(f"denoise: unknown field(s) {', '.join(unknown)}; expected {', '.join(sorted(known))}")
    method = fields.get("method")
    if method is not None:
        fields["method"] = MethodRequest(name=method["name"], params=dict(method["params"]))
    return DenoiseRequest(**fields)

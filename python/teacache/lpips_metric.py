"""LPIPS (Zhang et al., 2018) as the field reports it: version 0.1, AlexNet backbone.

The `lpips` package builds its AlexNet through torchvision, and PyPI's torchvision does not import
beside the CPU build of torch teacache installs. So the network is defined here exactly as lpips
v0.1 defines it (torchvision's AlexNet feature layers, lpips' input scaling, unit-normalised
features, its 1x1 linear layers, spatial means summed over the five layers), and it loads the same
two weight files: torchvision's ImageNet AlexNet (the torch hub cache's alexnet-owt-7be5be79.pth,
keys `features.N.*`) and lpips' own linear layers (`lpips/weights/v0.1/alex.pth` inside the
installed package, keys `linK.model.1.weight`). Nothing is downloaded.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from typing import Optional

import torch
from torch import nn

from .pipeline import InputError

ALEXNET_FILE = "alexnet-owt-7be5be79.pth"
# torchvision's alexnet().features: (index, in, out, kernel, stride, padding); ReLUs follow each conv.
CONVS = ((0, 3, 64, 11, 4, 2), (3, 64, 192, 5, 1, 2), (6, 192, 384, 3, 1, 1), (8, 384, 256, 3, 1, 1), (10, 256, 256, 3, 1, 1))
POOLS = (2, 5, 12)
# lpips takes the output of the ReLU after each conv.
TAPS = (1, 4, 7, 9, 11)
CHANNELS = (64, 192, 384, 256, 256)
# lpips.ScalingLayer: inputs in [-1, 1] are shifted and scaled to ImageNet's statistics.
SHIFT = (-0.030, -0.088, -0.188)
SCALE = (0.458, 0.448, 0.450)
# The smallest side whose features survive the first two max-pools.
MIN_SIZE = 31


def linear_weights_path() -> Optional[str]:
    """lpips' linear layers inside the installed package, found without importing it (that needs torchvision)."""
    spec = importlib.util.find_spec("lpips")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        path = Path(folder) / "weights" / "v0.1" / "alex.pth"
        if path.is_file():
            return str(path)
    return None


def alexnet_weights_path() -> str:
    """Where torchvision keeps the ImageNet AlexNet: $TORCH_HOME/hub/checkpoints (torch.hub's rule)."""
    home = os.environ.get("TORCH_HOME") or os.path.join(os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "torch")
    return os.path.join(home, "hub", "checkpoints", ALEXNET_FILE)


class Lpips(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        convs = {c[0]: c for c in CONVS}
        for index in range(13):
            if index in convs:
                _, cin, cout, kernel, stride, padding = convs[index]
                layers.append(nn.Conv2d(cin, cout, kernel, stride, padding))
            elif index in POOLS:
                layers.append(nn.MaxPool2d(3, 2))
            else:
                layers.append(nn.ReLU(inplace=False))
        self.features = nn.Sequential(*layers)
        self.lins = nn.ModuleList(nn.Conv2d(c, 1, 1, bias=False) for c in CHANNELS)
        self.register_buffer("shift", torch.tensor(SHIFT).view(1, 3, 1, 1))
        self.register_buffer("scale", torch.tensor(SCALE).view(1, 3, 1, 1))

    def taps(self, x: torch.Tensor) -> list[torch.Tensor]:
        out = []
        h = (x - self.shift) / self.scale
        for index, layer in enumerate(self.features):
            h = layer(h)
            if index in TAPS:
                out.append(h)
            if index == TAPS[-1]:
                break
        return out

    def forward(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        """Per image of the batch: inputs N x 3 x H x W in [-1, 1]."""
        total = torch.zeros(a.shape[0], device=a.device)
        for lin, fa, fb in zip(self.lins, self.taps(a), self.taps(b)):
            na = fa / (torch.sqrt(torch.sum(fa**2, dim=1, keepdim=True)) + 1e-10)
            nb = fb / (torch.sqrt(torch.sum(fb**2, dim=1, keepdim=True)) + 1e-10)
            total = total + lin((na - nb) ** 2).mean(dim=(1, 2, 3))
        return total


def _state(path: str, what: str) -> dict:
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise InputError(f"{path}: no such file ({what})") from None
    except Exception as error:  # noqa: BLE001 - any unreadable file is the user's input
        raise InputError(f"{path}: not a PyTorch state dict ({what}): {error}") from None
    if not isinstance(state, dict):
        raise InputError(f"{path}: not a PyTorch state dict ({what})")
    return state


def _take(state: dict, key: str, shape: torch.Size, path: str) -> torch.Tensor:
    value = state.get(key)
    if not isinstance(value, torch.Tensor) or value.shape != shape:
        found = "missing" if value is None else f"shape {tuple(value.shape)}" if isinstance(value, torch.Tensor) else type(value).__name__
        raise InputError(f"{path}: {key} should be a tensor of shape {tuple(shape)}, found {found}")
    return value


def load(alexnet: str, linear: str) -> Lpips:
    model = Lpips()
    a = _state(alexnet, "torchvision's AlexNet weights")
    l = _state(linear, "lpips' v0.1 linear layers")
    with torch.no_grad():
        for index, *_ in CONVS:
            conv = model.features[index]
            conv.weight.copy_(_take(a, f"features.{index}.weight", conv.weight.shape, alexnet))
            conv.bias.copy_(_take(a, f"features.{index}.bias", conv.bias.shape, alexnet))
        for k, lin in enumerate(model.lins):
            lin.weight.copy_(_take(l, f"lin{k}.model.1.weight", lin.weight.shape, linear))
    return model.eval()


def _frames(folder: str) -> list[Path]:
    return sorted(p for p in Path(folder).glob("frame_*.png"))


def _tensor(path: Path) -> torch.Tensor:
    import numpy as np
    from PIL import Image

    with Image.open(path) as image:
        rgb = np.asarray(image.convert("RGB"), dtype=np.float32)
    return torch.from_numpy(rgb).permute(2, 0, 1).unsqueeze(0) / 127.5 - 1.0


def measure_dirs(reference: str, candidate: str, alexnet: str, linear: str, batch: int = 8) -> dict:
    """LPIPS of every frame pair of two frame folders: {frames, mean, per_frame}."""
    refs, cands = _frames(reference), _frames(candidate)
    if not refs:
        raise InputError(f"{reference}: no frame_*.png files")
    if len(refs) != len(cands):
        raise InputError(f"{candidate}: {len(cands)} frames, but the reference {reference} has {len(refs)}")
    model = load(alexnet, linear)
    values: list[float] = []
    with torch.no_grad():
        for start in range(0, len(refs), batch):
            a = torch.cat([_tensor(p) for p in refs[start : start + batch]])
            b = torch.cat([_tensor(p) for p in cands[start : start + batch]])
            if a.shape != b.shape:
                raise InputError(f"{candidate}: frames of {tuple(b.shape[2:])}, but the reference's are {tuple(a.shape[2:])}")
            if min(a.shape[2:]) < MIN_SIZE:
                raise InputError(f"{reference}: frames of {tuple(a.shape[2:])}; LPIPS's AlexNet needs at least {MIN_SIZE}x{MIN_SIZE} pixels")
            values.extend(float(v) for v in model(a, b))
    return {"frames": len(values), "mean": sum(values) / len(values), "per_frame": values}

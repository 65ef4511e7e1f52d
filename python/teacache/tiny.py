"""Offline tiny CogVideoX pipelines with the real architectures and random, seeded weights.

Nothing here touches the network: the T5 encoder comes from a T5Config, the tokenizer from an
in-memory vocabulary. Every build with the same variant gives bit-identical weights, so two
processes (or a saved folder and a fresh build) produce the same video for the same seed.
"""

from __future__ import annotations

import string

import torch

# CogVideoX1.5 uses a temporal patch of 2 and rotary embeddings; 1.0 has no temporal patch.
VARIANTS = {
    "tiny": {"version": "1.5", "i2v": False},
    "tiny-i2v": {"version": "1.5", "i2v": True},
    "tiny-1.0": {"version": "1.0", "i2v": False},
    "tiny-1.0-i2v": {"version": "1.0", "i2v": True},
}

TEXT_DIM = 32
TEXT_LEN = 16
LATENT_CHANNELS = 4
TIME_DIM = 32
WEIGHT_SEED = 1234


def _vocabulary() -> list[tuple[str, float]]:
    pieces = ["<pad>", "</s>", "<unk>", "\u2581"]
    pieces += ["\u2581" + c for c in string.ascii_lowercase]
    pieces += list(string.ascii_lowercase + string.digits + string.punctuation)
    return [(p, 0.0 if i < 3 else -float(i)) for i, p in enumerate(pieces)]


def tokenizer():
    import transformers
    from transformers import T5Tokenizer

    vocab = _vocabulary()
    if int(transformers.__version__.split(".")[0]) >= 5:
        return T5Tokenizer(vocab=vocab, extra_ids=0)
    # transformers 4 wants a sentencepiece file for T5Tokenizer; a fast tokenizer needs none.
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    backend = Tokenizer(models.Unigram(vocab, unk_id=2))
    backend.normalizer = normalizers.Lowercase()
    backend.pre_tokenizer = pre_tokenizers.Metaspace()
    return PreTrainedTokenizerFast(
        tokenizer_object=backend, pad_token="<pad>", eos_token="</s>", unk_token="<unk>"
    )


def build(variant: str = "tiny", transformer_sizes: dict | None = None):
    """Build the pipeline for one of VARIANTS, on the CPU in float32.

    `transformer_sizes` overrides transformer arguments (layers, heads, head width, sample sizes):
    the benchmark's larger models reuse this builder; None builds the variant as it always was.
    """
    if variant not in VARIANTS:
        raise ValueError(f"unknown tiny variant {variant!r}; expected one of {sorted(VARIANTS)}")
    spec = VARIANTS[variant]
    from diffusers import (
        AutoencoderKLCogVideoX,
        CogVideoXDDIMScheduler,
        CogVideoXDPMScheduler,
        CogVideoXImageToVideoPipeline,
        CogVideoXPipeline,
        CogVideoXTransformer3DModel,
    )
    from transformers import T5Config, T5EncoderModel

    is15, i2v = spec["version"] == "1.5", spec["i2v"]
    generator_state = torch.random.get_rng_state()
    torch.manual_seed(WEIGHT_SEED)
    try:
        text_encoder = T5EncoderModel(
            T5Config(
                vocab_size=len(_vocabulary()), d_model=TEXT_DIM, d_kv=8, d_ff=37, num_layers=2,
                num_heads=4, relative_attention_num_buckets=8, dropout_rate=0.0,
            )
        ).eval()
        transformer = CogVideoXTransformer3DModel(**{**dict(
            num_attention_heads=2,
            attention_head_dim=16,
            in_channels=LATENT_CHANNELS * (2 if i2v else 1),
            out_channels=LATENT_CHANNELS,
            time_embed_dim=TIME_DIM,
            ofs_embed_dim=TIME_DIM if (i2v and is15) else None,
            text_embed_dim=TEXT_DIM,
            num_layers=2,
            # 1.5 crops its rotary grid from the sample size (so this is the largest latent it
            # takes: 256 px); 1.0 I2V has learned positional embeddings fixed to it: 64x64, 17 frames.
            sample_width=32 if is15 else 8,
            sample_height=32 if is15 else 8,
            sample_frames=17,
            patch_size=2,
            patch_size_t=2 if is15 else None,
            temporal_compression_ratio=4,
            max_text_seq_length=TEXT_LEN,
            use_rotary_positional_embeddings=True,
            use_learned_positional_embeddings=i2v and not is15,
            patch_bias=not is15,
        ), **(transformer_sizes or {})}).eval()
        vae = AutoencoderKLCogVideoX(
            in_channels=3,
            out_channels=3,
            down_block_types=("CogVideoXDownBlock3D",) * 4,
            up_block_types=("CogVideoXUpBlock3D",) * 4,
            block_out_channels=(8, 8, 8, 8),
            latent_channels=LATENT_CHANNELS,
            layers_per_block=1,
            norm_num_groups=2,
            temporal_compression_ratio=4,
            invert_scale_latents=is15,
        ).eval()
    finally:
        torch.random.set_rng_state(generator_state)

    scheduler_cls = CogVideoXDPMScheduler if is15 else CogVideoXDDIMScheduler
    scheduler = scheduler_cls(
        beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear", clip_sample=False,
        prediction_type="v_prediction", rescale_betas_zero_snr=True, set_alpha_to_one=True,
        snr_shift_scale=1.0 if is15 else 3.0, timestep_spacing="trailing",
    )
    pipeline_cls = CogVideoXImageToVideoPipeline if i2v else CogVideoXPipeline
    return pipeline_cls(
        tokenizer=tokenizer(), text_encoder=text_encoder, vae=vae, transformer=transformer,
        scheduler=scheduler,
    )


if __name__ == "__main__":
    # python -m teacache.tiny VARIANT FOLDER: save a tiny pipeline, to exercise the real loading path.
    import sys

    if len(sys.argv) != 3:
        sys.exit(f"usage: python -m teacache.tiny {{{','.join(VARIANTS)}}} FOLDER")
    build(sys.argv[1]).save_pretrained(sys.argv[2])

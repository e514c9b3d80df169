"""IndexTTS2 checkpoints with random weights, in the release's layout, so the real upstream code can run here.

The release's weights cannot be had offline, but its inference code runs on
any weights of the right shapes. This writes everything ``IndexTTS2`` loads:
the checkpoint folder (``config.yaml``, ``gpt.pth``, ``s2mel.pth``,
``bpe.model``, the w2v-bert statistics, the speaker and emotion matrices, the
text-to-emotion language model) and, under ``hf_cache/`` in the Hugging Face
hub layout, the auxiliary models upstream would download (w2v-bert 2.0, the
MaskGCT semantic codec, CAMPPlus, BigVGAN). The engine reads ``hf_cache/``
when it is there, so ``--model-dir DIR`` alone is enough.

``tiny`` keeps only the dimensions the code fixes (GPT width 1280, w2v-bert
width 1024 and 17 layers, the 73-row matrices) and shrinks the rest, so it
runs on two CPU cores in seconds. ``medium`` is ``tiny`` with a quarter of the
release's GPT (6 of its 24 layers, its 20 heads), so the autoregressive decode
weighs in a CPU measurement as it does in the release. ``full`` has the
release's dimensions: compute does not depend on the weights' values, so it
measures speed.
The weights are random: the audio is noise. A random GPT never emits its stop
token, so each segment runs to the cap: the request's ``max_mel_tokens``, and at
most what the GPT's position table holds (the engine caps it); the emotion model is made to end its answer at
once (its final norm is zero, so every logit is equal and the end token, id 0,
wins), which reads as "calm".
"""

from __future__ import annotations

import hashlib
import itertools
import json
import logging
import os
import shutil
import time
from pathlib import Path
from typing import Any

from . import files

log = logging.getLogger(__name__)

SIZES = ("tiny", "medium", "full")
MARKER = files.RANDOM_WEIGHTS_MARKER
HUB_FOLDER = files.HUB_FOLDER
EMOTION_MODEL = "qwen0.6bemo4-merge"
EMOTION_ROWS = (3, 17, 2, 8, 4, 5, 10, 24)  # rows per emotion in feat1/feat2: 73 in all
SEMANTIC_WIDTH = 1024
SEMANTIC_LAYERS = 17  # upstream reads hidden_states[17]
STYLE_WIDTH = 192  # CAMPPlus embedding
GPT_WIDTH = 1280  # the s2mel stage starts with Linear(1280, ...)
BPE_VOCAB = 4000  # the corpus has 3,800 distinct characters; the release has 12,000 pieces

_FULL_GPT = {
    "model_dim": GPT_WIDTH,
    "max_mel_tokens": 1815,
    "max_text_tokens": 600,
    "heads": 20,
    "use_mel_codes_as_input": True,
    "mel_length_compression": 1024,
    "layers": 24,
    "number_text_tokens": 12000,
    "number_mel_codes": 8194,
    "start_mel_token": 8192,
    "stop_mel_token": 8193,
    "start_text_token": 0,
    "stop_text_token": 1,
    "train_solo_embeddings": False,
    "condition_type": "conformer_perceiver",
    "condition_module": {
        "output_size": 512,
        "linear_units": 2048,
        "attention_heads": 8,
        "num_blocks": 6,
        "input_layer": "conv2d2",
        "perceiver_mult": 2,
    },
    "emo_condition_module": {
        "output_size": 512,
        "linear_units": 1024,
        "attention_heads": 4,
        "num_blocks": 4,
        "input_layer": "conv2d2",
        "perceiver_mult": 2,
    },
}
_FULL_CODEC = {
    "codebook_size": 8192,
    "hidden_size": SEMANTIC_WIDTH,
    "codebook_dim": 8,
    "vocos_dim": 384,
    "vocos_intermediate_dim": 2048,
    "vocos_num_layers": 12,
}
_FULL_S2MEL = {
    "preprocess_params": {
        "sr": 22050,
        "spect_params": {"n_fft": 1024, "win_length": 1024, "hop_length": 256, "n_mels": 80, "fmin": 0, "fmax": "None"},
    },
    "dit_type": "DiT",
    "reg_loss_type": "l1",
    "style_encoder": {"dim": STYLE_WIDTH},
    "length_regulator": {
        "channels": 512,
        "is_discrete": False,
        "in_channels": SEMANTIC_WIDTH,
        "content_codebook_size": 2048,
        "sampling_ratios": [1, 1, 1, 1],
        "vector_quantize": False,
        "n_codebooks": 1,
        "quantizer_dropout": 0.0,
        "f0_condition": False,
        "n_f0_bins": 512,
    },
    "DiT": {
        "hidden_dim": 512,
        "num_heads": 8,
        "depth": 13,
        "class_dropout_prob": 0.1,
        "block_size": 8192,
        "in_channels": 80,
        "style_condition": True,
        "final_layer_type": "wavenet",
        "target": "mel",
        "content_dim": 512,
        "content_codebook_size": 1024,
        "content_type": "discrete",
        "f0_condition": False,
        "n_f0_bins": 512,
        "content_codebooks": 1,
        "is_causal": False,
        "long_skip_connection": True,
        "zero_prompt_speech_token": False,
        "time_as_token": False,
        "style_as_token": False,
        "uvit_skip_connection": True,
        "add_resblock_in_transformer": False,
    },
    "wavenet": {
        "hidden_dim": 512,
        "num_layers": 8,
        "kernel_size": 5,
        "dilation_rate": 1,
        "p_dropout": 0.2,
        "style_condition": True,
    },
}
_FULL_VOCODER = {
    "resblock": "1",
    "upsample_rates": [4, 4, 2, 2, 2, 2],
    "upsample_kernel_sizes": [8, 8, 4, 4, 4, 4],
    "upsample_initial_channel": 1536,
    "resblock_kernel_sizes": [3, 7, 11],
    "resblock_dilation_sizes": [[1, 3, 5], [1, 3, 5], [1, 3, 5]],
    "use_tanh_at_final": False,
    "use_bias_at_final": False,
    "activation": "snakebeta",
    "snake_logscale": True,
    "num_mels": 80,
    "num_freq": 1025,
    "n_fft": 1024,
    "hop_size": 256,
    "win_size": 1024,
    "sampling_rate": 22050,
    "fmin": 0,
    "fmax": None,
}
_FULL_EMOTION_LM = {
    "hidden_size": 1024,
    "intermediate_size": 3072,
    "num_hidden_layers": 28,
    "num_attention_heads": 16,
    "num_key_value_heads": 8,
    "head_dim": 128,
}
_FULL_SEMANTIC = {"num_hidden_layers": 24, "intermediate_size": 4096}

# What ``tiny`` changes: every dimension the code does not fix, shrunk.
_TINY = {
    "gpt": {
        "heads": 4,
        "layers": 1,
        "max_mel_tokens": 400,
        "max_text_tokens": 200,
        "number_text_tokens": 4096,
        "condition_module": {"output_size": 64, "linear_units": 64, "attention_heads": 2, "num_blocks": 1},
        "emo_condition_module": {"output_size": 64, "linear_units": 64, "attention_heads": 2, "num_blocks": 1},
    },
    "semantic_codec": {"vocos_dim": 32, "vocos_intermediate_dim": 64, "vocos_num_layers": 1},
    "s2mel": {
        "length_regulator": {"channels": 64},
        "DiT": {"hidden_dim": 64, "num_heads": 2, "depth": 1, "content_dim": 64},
        "wavenet": {"hidden_dim": 64, "num_layers": 1},
    },
    "vocoder": {"upsample_initial_channel": 128, "resblock_kernel_sizes": [3], "resblock_dilation_sizes": [[1, 3, 5]]},
    "emotion_lm": {
        "hidden_size": 32,
        "intermediate_size": 64,
        "num_hidden_layers": 1,
        "num_attention_heads": 2,
        "num_key_value_heads": 1,
        "head_dim": 16,
    },
    "semantic": {"num_hidden_layers": SEMANTIC_LAYERS, "intermediate_size": 64},
}
# What ``medium`` changes on top of ``tiny``: a quarter of the release's GPT, the part decoded token by token.
_MEDIUM = {"gpt": {"heads": 20, "layers": 6}}
AUXILIARY = {
    "semantic": "facebook/w2v-bert-2.0",
    "codec": "amphion/MaskGCT",
    "style": "funasr/campplus",
    "vocoder": "nvidia/bigvgan_v2_22khz_80band_256x",
}


def _merged(base: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    out = json.loads(json.dumps(base))
    for key, value in changes.items():
        out[key] = _merged(out[key], value) if isinstance(value, dict) else value
    return out


def dimensions(size: str) -> dict[str, dict[str, Any]]:
    """Every component's dimensions for ``size`` (``full`` is the release's)."""
    if size not in SIZES:
        raise ValueError(f"size must be one of {', '.join(SIZES)}, not {size!r}")
    full = {
        "gpt": _FULL_GPT,
        "semantic_codec": _FULL_CODEC,
        "s2mel": _FULL_S2MEL,
        "vocoder": _FULL_VOCODER,
        "emotion_lm": _FULL_EMOTION_LM,
        "semantic": _FULL_SEMANTIC,
    }
    if size == "full":
        return json.loads(json.dumps(full))
    changes = _merged(_TINY, _MEDIUM) if size == "medium" else _TINY
    return {k: _merged(v, changes.get(k, {})) for k, v in full.items()}


def release_config(dims: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The ``config.yaml`` IndexTTS2 reads, with these dimensions."""
    return {
        "dataset": {
            "bpe_model": "bpe.model",
            "sample_rate": 24000,
            "squeeze": False,
            "mel": {
                "sample_rate": 24000,
                "n_fft": 1024,
                "hop_length": 256,
                "win_length": 1024,
                "n_mels": 100,
                "mel_fmin": 0,
                "normalize": False,
            },
        },
        "gpt": dims["gpt"],
        "semantic_codec": dims["semantic_codec"],
        "s2mel": dims["s2mel"],
        "gpt_checkpoint": "gpt.pth",
        "w2v_stat": "wav2vec2bert_stats.pt",
        "s2mel_checkpoint": "s2mel.pth",
        "emo_matrix": "feat2.pt",
        "spk_matrix": "feat1.pt",
        "emo_num": list(EMOTION_ROWS),
        "qwen_emo_path": f"{EMOTION_MODEL}/",
        "vocoder": {"type": "bigvgan", "name": AUXILIARY["vocoder"]},
        "version": 2.0,
    }


# -- the pieces --------------------------------------------------------------------------------


def _text_corpus() -> list[str]:
    """Lines for the BPE model: the 3,755 common Chinese characters (GB2312 level 1) and English letters."""
    chars = []
    for high in range(0xB0, 0xD8):
        for low in range(0xA1, 0xFF):
            try:
                chars.append(bytes([high, low]).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    lines = ["".join(chars[i : i + 40]) for i in range(0, len(chars), 40)]
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    lines += [" ".join(letters[i:] + letters[:i] for _ in range(3)) for i in range(len(letters))]
    lines += [" ".join(f"{a}{b}" for a in letters for b in "AEIOU"), "0 1 2 3 4 5 6 7 8 9 , . ! ? ' -"]
    return lines


def _write_bpe(path: Path, vocab_size: int) -> None:
    """Train the BPE model in memory: a file-based run records its own paths in the model, which then differs."""
    import io

    import sentencepiece as spm

    model = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(_text_corpus()),
        model_writer=model,
        vocab_size=vocab_size,
        model_type="bpe",
        character_coverage=1.0,
        num_threads=1,
        bos_id=0,
        eos_id=1,
        unk_id=2,
        pad_id=-1,
        split_by_whitespace=True,
        hard_vocab_limit=False,
        minloglevel=2,
    )
    path.write_bytes(model.getvalue())


def _save(obj: Any, path: Path) -> None:
    import torch

    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save(obj, path)


def _snapshot(hub: Path, repo: str, revision: str) -> Path:
    """A folder in the hub cache layout that ``hf_hub_download`` finds offline."""
    root = hub / f"models--{repo.replace('/', '--')}"
    (root / "refs").mkdir(parents=True, exist_ok=True)
    (root / "refs" / "main").write_text(revision)
    folder = root / "snapshots" / revision
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _write_emotion_lm(folder: Path, dims: dict[str, Any]) -> None:
    """A Qwen3 causal LM and tokenizer whose answer ends at once (see the module docstring)."""
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import GenerationConfig, PreTrainedTokenizerFast, Qwen3Config, Qwen3ForCausalLM

    specials = ["<|im_end|>", "<|im_start|>", "<|endoftext|>"]
    tokenizer = Tokenizer(models.BPE(unk_token=None))
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=600, special_tokens=specials, show_progress=False, initial_alphabet=pre_tokenizers.ByteLevel.alphabet()
    )
    tokenizer.train_from_iterator([*_text_corpus(), "文本情感分类 system user assistant"], trainer=trainer)
    template = (
        "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}"
        "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
    )
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tokenizer, eos_token="<|im_end|>", pad_token="<|endoftext|>", bos_token=None, chat_template=template
    )
    fast.save_pretrained(folder)
    config = Qwen3Config(
        vocab_size=tokenizer.get_vocab_size(),
        max_position_embeddings=4096,
        eos_token_id=0,
        bos_token_id=1,
        pad_token_id=2,
        tie_word_embeddings=False,
        **dims,
    )
    model = Qwen3ForCausalLM(config)
    with torch.no_grad():
        model.model.norm.weight.zero_()  # every logit equal: greedy picks id 0, the end token
    model.save_pretrained(folder)
    GenerationConfig(eos_token_id=0, pad_token_id=2, do_sample=False).save_pretrained(folder)


def _write_semantic_model(folder: Path, dims: dict[str, Any]) -> None:
    from transformers import SeamlessM4TFeatureExtractor, Wav2Vec2BertConfig, Wav2Vec2BertModel

    SeamlessM4TFeatureExtractor(padding_value=1.0).save_pretrained(folder)
    Wav2Vec2BertModel(Wav2Vec2BertConfig(hidden_size=SEMANTIC_WIDTH, **dims)).save_pretrained(folder)


def _write_vocoder(folder: Path, dims: dict[str, Any]) -> None:
    from indextts.s2mel.modules.bigvgan.bigvgan import BigVGAN
    from indextts.s2mel.modules.bigvgan.env import AttrDict

    (folder / "config.json").write_text(json.dumps(dims, indent=2))
    model = BigVGAN(AttrDict(dims), use_cuda_kernel=False)
    _save({"generator": model.state_dict()}, folder / "bigvgan_generator.pt")


def _write_all(out: Path, size: str, seed: int) -> dict[str, float]:
    import safetensors.torch
    import torch
    import yaml
    from indextts.gpt.model_v2 import UnifiedVoice
    from indextts.s2mel.modules.campplus.DTDNN import CAMPPlus
    from indextts.s2mel.modules.commons import MyModel
    from indextts.utils.maskgct_utils import build_semantic_codec
    from omegaconf import OmegaConf

    dims = dimensions(size)
    config = release_config(dims)
    cfg = OmegaConf.create(config)
    timings: dict[str, float] = {}

    def step(name: str, index: int) -> None:
        torch.manual_seed(seed * 1000 + index)  # each piece its own stream: one piece's size never shifts another
        timings[name] = time.perf_counter()

    step("config", 0)
    (out / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False, allow_unicode=True))
    _write_bpe(out / "bpe.model", BPE_VOCAB)
    step("gpt", 1)
    _save(UnifiedVoice(**cfg.gpt).state_dict(), out / "gpt.pth")
    step("s2mel", 2)
    s2mel = MyModel(cfg.s2mel, use_gpt_latent=True)
    _save({"net": {key: module.state_dict() for key, module in s2mel.models.items()}}, out / "s2mel.pth")
    step("matrices", 3)
    _save({"mean": torch.randn(SEMANTIC_WIDTH) * 0.1, "var": 1.0 + torch.rand(SEMANTIC_WIDTH)}, out / "wav2vec2bert_stats.pt")
    rows = sum(EMOTION_ROWS)
    _save(torch.randn(rows, STYLE_WIDTH), out / "feat1.pt")
    _save(torch.randn(rows, GPT_WIDTH) * 0.1, out / "feat2.pt")
    step("emotion_lm", 4)
    _write_emotion_lm(out / EMOTION_MODEL, dims["emotion_lm"])

    hub = out / HUB_FOLDER
    revision = hashlib.sha1(f"indextts2-random {size} {seed}".encode()).hexdigest()
    step("semantic_model", 5)
    _write_semantic_model(_snapshot(hub, AUXILIARY["semantic"], revision), dims["semantic"])
    step("semantic_codec", 6)
    codec = build_semantic_codec(cfg.semantic_codec)
    codec_folder = _snapshot(hub, AUXILIARY["codec"], revision) / "semantic_codec"
    codec_folder.mkdir(parents=True, exist_ok=True)
    safetensors.torch.save_model(codec, str(codec_folder / "model.safetensors"))
    step("campplus", 7)
    style = CAMPPlus(feat_dim=80, embedding_size=STYLE_WIDTH)
    _save(style.state_dict(), _snapshot(hub, AUXILIARY["style"], revision) / "campplus_cn_common.bin")
    step("vocoder", 8)
    _write_vocoder(_snapshot(hub, AUXILIARY["vocoder"], revision), dims["vocoder"])
    timings["end"] = time.perf_counter()
    names = list(timings)
    return {a: round(timings[b] - timings[a], 2) for a, b in itertools.pairwise(names)}


def write(out: Path, size: str = "tiny", seed: int = 0, force: bool = False) -> dict[str, float]:
    """Write a random-weight checkpoint folder at ``out``: built under a temp name, then renamed into place.

    An existing ``out`` is replaced only when it was made by this function (it has
    the marker file) or ``force`` is given: real checkpoints are never overwritten by accident.
    """
    dimensions(size)  # validates the size before anything is written
    out = Path(out).resolve()
    if out.exists() and any(out.iterdir()) and not (force or (out / MARKER).exists()):
        raise FileExistsError(f"{out} exists and holds something else; choose another --out (or --force)")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        timings = _write_all(tmp, size, seed)
        (tmp / MARKER).write_text(
            f"These IndexTTS2 checkpoints hold RANDOM weights (size {size}, seed {seed}), written by\n"
            "`python -m index_tts indextts2-random`. They run the real inference code and produce noise,\n"
            "not speech. Real checkpoints: https://huggingface.co/IndexTeam/IndexTTS-2\n"
        )
        if out.exists():
            old = out.with_name(f".{out.name}.old-{os.getpid()}")
            out.rename(old)
            tmp.rename(out)
            shutil.rmtree(old, ignore_errors=True)
        else:
            tmp.rename(out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    log.info("indextts2 random checkpoints (%s, seed %d) written to %s: %s", size, seed, out, timings)
    return timings


def folder_bytes(folder: Path) -> int:
    """Bytes on disk under ``folder``."""
    return sum(p.stat().st_size for p in Path(folder).rglob("*") if p.is_file())

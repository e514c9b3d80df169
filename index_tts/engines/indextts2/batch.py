"""IndexTTS2 rendering for several requests at once: one GPT decode for all, same audio as alone.

Upstream's ``IndexTTS2.infer`` renders one text segment per call: conditioning, an autoregressive
GPT decode through Hugging Face ``generate`` (sampling on the process-wide random stream), the
flow-matching mel stage and the BigVGAN vocoder. This module is the one place where that
orchestration is rebuilt from upstream's own modules, so that segments of different requests share
forward passes:

* **Conditioning** per request, from upstream's own functions, kept per prompt file for a few
  voices at once (upstream keeps one, so a mixed batch would recompute it for every segment).
* **GPT decode**: every beam of every segment is a row of one batch. Prompts of different lengths
  are padded on the left and masked, one forward pass per step serves all rows on a KV cache. A
  segment whose search has ended leaves (its rows are dropped from the cache) and new requests
  join between steps (prefilled, their cache rows merged, padded on the left and masked), so a
  slot freed is refilled at once instead of when the whole batch is done. Token choice runs per
  segment with Hugging Face's own logits processors and the segment's own ``torch.Generator``,
  mirroring ``generate``'s sampling (one beam) and beam sampling step for step, so a segment's
  tokens depend on its seed only, never on who shared the batch.
* **Latent, mel and vocoder stages** run per request as soon as its segments' searches have ended,
  on the segment's own random stream (the diffusion noise), and the request is handed over at once.
  Their inputs differ in length per request, and upstream's length regulator and diffusion
  transformer take one prompt length per batch, so padding them together would change the audio.

A request's cancellation is checked between decode steps: its rows leave the batch and the others
carry on with their own generators untouched.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import torch
import torch.nn.functional as F
from transformers import DynamicCache
from transformers.generation.logits_process import (
    LogitsProcessorList,
    RepetitionPenaltyLogitsProcessor,
    TemperatureLogitsWarper,
    TopKLogitsWarper,
    TopPLogitsWarper,
)

log = logging.getLogger(__name__)

NATIVE_RATE = 22_050
DIFFUSION_STEPS = 25  # upstream's fixed values in infer_generator
CFG_RATE = 0.7
FRAMES_PER_CODE = 1.72
CONDITIONING_CACHE = 8  # prompt clips whose conditioning is kept (speaker and emotion)


@dataclass
class Settings:
    """One request's generation settings (upstream's generation keywords)."""

    top_p: float = 0.8
    top_k: int = 30
    temperature: float = 0.8
    num_beams: int = 3
    repetition_penalty: float = 10.0
    length_penalty: float = 0.0
    max_mel_tokens: int = 1500

    @classmethod
    def from_kwargs(cls, kwargs: dict[str, Any]) -> Settings:
        return cls(**{k: kwargs[k] for k in cls.__dataclass_fields__ if k in kwargs})


@dataclass
class Request:
    """What one of our segments asks IndexTTS2 for (the keywords ``infer`` would take)."""

    speaker: str
    text: str
    settings: Settings
    seed: int
    emotion_audio: str | None = None
    emotion_vector: list[float] | None = None
    emotion_text: str | None = None
    use_emotion_text: bool = False
    emotion_weight: float = 1.0
    interval_silence_ms: int = 200
    max_text_tokens: int = 120
    cancelled: Callable[[], bool] = field(default=lambda: False, repr=False)


@dataclass
class Piece:
    """One upstream text segment of a request: its conditioning, token search and finally its audio."""

    owner: int
    text_tokens: torch.Tensor  # (1, L) int32
    conditioning: dict[str, torch.Tensor]
    settings: Settings
    generator: torch.Generator
    search: Any = None
    codes: torch.Tensor | None = None


def request_from_kwargs(kwargs: dict[str, Any], seed: int, cancelled: Callable[[], bool]) -> Request:
    """A ``Request`` from the keywords our engine would give ``IndexTTS2.infer`` (``IndexTTS2Engine.infer_kwargs``)."""
    return Request(
        speaker=kwargs["spk_audio_prompt"],
        text=kwargs["text"],
        settings=Settings.from_kwargs(kwargs),
        seed=int(seed),
        emotion_audio=kwargs.get("emo_audio_prompt"),
        emotion_vector=kwargs.get("emo_vector"),
        emotion_text=kwargs.get("emo_text"),
        use_emotion_text=bool(kwargs.get("use_emo_text")),
        emotion_weight=float(kwargs.get("emo_alpha", 1.0)),
        interval_silence_ms=int(kwargs.get("interval_silence", 200)),
        max_text_tokens=int(kwargs.get("max_text_tokens_per_segment", 120)),
        cancelled=cancelled,
    )


def _processors(s: Settings, beams: int) -> LogitsProcessorList:
    """Hugging Face's own processors, in the order ``generate`` applies them for these settings."""
    keep = 2 if beams > 1 else 1
    out = LogitsProcessorList()
    if s.repetition_penalty != 1.0:
        out.append(RepetitionPenaltyLogitsProcessor(float(s.repetition_penalty)))
    if s.temperature != 1.0:
        out.append(TemperatureLogitsWarper(float(s.temperature)))
    if s.top_k:
        out.append(TopKLogitsWarper(int(s.top_k), min_tokens_to_keep=keep))
    if s.top_p < 1.0:
        out.append(TopPLogitsWarper(float(s.top_p), min_tokens_to_keep=keep))
    return out


class TokenSearch:
    """One segment's choice of speech tokens, step by step, on its own random stream.

    With one beam it mirrors ``generate``'s sampling; with several, its beam sampling (sample twice the
    beams without replacement from the summed log-probabilities, keep the best unfinished ones, collect
    finished ones with the length penalty, stop when none can improve). ``step`` takes this segment's
    logits, one row per live beam, and returns which row each new beam continues.
    """

    def __init__(self, prompt_ids: torch.Tensor, settings: Settings, generator: torch.Generator, stop: int) -> None:
        self.beams = max(1, int(settings.num_beams))
        self.settings = settings
        self.processors = _processors(settings, self.beams)
        self.generator = generator
        self.stop = stop
        self.max_new = int(settings.max_mel_tokens)
        device = prompt_ids.device
        self.prompt = prompt_ids.expand(self.beams, -1)
        self.running = torch.full((self.beams, self.max_new), stop, dtype=torch.long, device=device)
        self.length = 0
        self.done = False
        if self.beams > 1:
            self.running_scores = torch.zeros(self.beams, device=device)
            self.running_scores[1:] = -1e9
            self.finished = torch.full((self.beams, self.max_new), stop, dtype=torch.long, device=device)
            self.finished_scores = torch.full((self.beams,), -1e9, device=device)
            self.is_finished = torch.zeros(self.beams, dtype=torch.bool, device=device)
            self.can_improve = True

    def step(self, logits: torch.Tensor) -> torch.Tensor:
        ids = torch.cat([self.prompt, self.running[:, : self.length]], dim=1)
        if self.beams == 1:
            return self._sample(ids, logits.float())
        return self._beam_sample(ids, logits.float())

    def _sample(self, ids: torch.Tensor, logits: torch.Tensor) -> torch.Tensor:
        scores = self.processors(ids, logits)
        token = torch.multinomial(F.softmax(scores, dim=-1), 1, generator=self.generator)[0, 0]
        self.running[0, self.length] = token
        self.length += 1
        self.done = bool(token == self.stop) or self.length >= self.max_new
        return torch.zeros(1, dtype=torch.long, device=logits.device)

    def _beam_sample(self, ids: torch.Tensor, logits: torch.Tensor) -> torch.Tensor:
        beams, vocab = self.beams, logits.shape[-1]
        scores = self.processors(ids, F.log_softmax(logits, dim=-1))
        summed = (scores + self.running_scores[:, None]).reshape(1, -1)
        keep = 2 * beams
        picked = torch.multinomial(F.softmax(summed, dim=-1), keep, generator=self.generator)
        picked_scores = summed.gather(1, picked)
        picked_scores, order = picked_scores.sort(dim=-1, descending=True)
        picked = picked.gather(1, order)[0]
        picked_scores = picked_scores[0]
        parents = picked // vocab
        candidates = self.running[parents].clone()
        candidates[:, self.length] = picked % vocab
        ends = (candidates[:, self.length] == self.stop) | (self.length + 1 >= self.max_new)

        # the best unfinished candidates carry on
        alive_scores = picked_scores + ends.float() * -1e9
        carry = torch.topk(alive_scores, beams).indices
        self.running = candidates[carry]
        self.running_scores = alive_scores[carry]

        # finished ones among the first ``beams`` candidates may replace worse finished hypotheses
        top = torch.arange(keep, device=logits.device) < beams
        just_finished = ends & top
        final_scores = picked_scores / float((self.length + 1) ** self.settings.length_penalty)
        if not self.can_improve:
            final_scores = final_scores - 1e9
        final_scores = final_scores + (~just_finished).float() * -1e9
        merged = torch.cat([self.finished, candidates])
        merged_scores = torch.cat([self.finished_scores, final_scores])
        merged_done = torch.cat([self.is_finished, just_finished])
        best = torch.topk(merged_scores, beams).indices
        self.finished, self.finished_scores, self.is_finished = merged[best], merged_scores[best], merged_done[best]

        self.length += 1
        best_running = self.running_scores[0] / float(self.length**self.settings.length_penalty)
        worst_finished = torch.where(self.is_finished, self.finished_scores.min(), self.finished_scores.new_tensor(-1e9))
        self.can_improve = self.can_improve and bool((best_running > worst_finished).any())
        self.done = not self.can_improve or bool(ends.all())
        return parents[carry]

    def codes(self) -> torch.Tensor:
        """The chosen tokens up to (not including) the stop token, shape (1, n)."""
        row = self.running[0] if self.beams == 1 else self.finished[0]
        row = row[: self.length]
        stops = (row == self.stop).nonzero()
        end = int(stops[0, 0]) if stops.numel() else row.numel()
        return row[:end].unsqueeze(0)


class _Decoder:
    """The shared GPT decode: pieces join (their prompts prefilled, their KV rows merged, padded on the
    left and masked) and leave (their rows dropped) between steps; one forward per step for all rows."""

    def __init__(self, renderer: BatchRenderer) -> None:
        self.r = renderer
        self.inference = renderer.gpt.inference_model
        self.stop = int(renderer.m.stop_mel_token)
        self.live: list[Piece] = []
        self.cache: DynamicCache | None = None
        self.mask: torch.Tensor | None = None  # (rows, keys) 1 where a row may attend
        self.logits: torch.Tensor | None = None  # (rows, vocabulary) for each row's next token
        self.most_rows = 0
        self.steps = 0

    def add(self, pieces: list[Piece]) -> None:
        if not pieces:
            return
        device = self.r.device
        prompts = []
        for piece in pieces:
            ids, embeds = self.r.prompt(piece)
            piece.search = TokenSearch(ids, piece.settings, piece.generator, self.stop)
            prompts.append(embeds)
        width = max(p.shape[0] for p in prompts)
        rows, masks = [], []
        for piece, embeds in zip(pieces, prompts, strict=True):
            pad = width - embeds.shape[0]
            mask = torch.ones(width, dtype=torch.long, device=device)
            mask[:pad] = 0
            rows.extend([F.pad(embeds, (0, 0, pad, 0))] * piece.search.beams)
            masks.extend([mask] * piece.search.beams)
        cache, mask = DynamicCache(), torch.stack(masks)
        out = self.inference.transformer(
            inputs_embeds=torch.stack(rows), attention_mask=mask, past_key_values=cache, use_cache=True
        )
        logits = self.inference.lm_head(out.last_hidden_state[:, -1])
        if self.cache is None or self.mask is None or self.logits is None:
            self.cache, self.mask, self.logits = cache, mask, logits
        else:
            self._merge(cache, mask)
            self.logits = torch.cat([self.logits, logits])
        self.live.extend(pieces)
        self.most_rows = max(self.most_rows, len(self.mask))

    def _merge(self, cache: DynamicCache, mask: torch.Tensor) -> None:
        """Append ``cache``'s rows to the running ones, the shorter side padded on the left (masked)."""
        assert self.cache is not None and self.mask is not None
        old, new = self.mask.shape[1], mask.shape[1]
        width = max(old, new)
        for mine, theirs in zip(self.cache.layers, cache.layers, strict=True):
            mine.keys = torch.cat([F.pad(mine.keys, (0, 0, width - old, 0)), F.pad(theirs.keys, (0, 0, width - new, 0))])
            mine.values = torch.cat([F.pad(mine.values, (0, 0, width - old, 0)), F.pad(theirs.values, (0, 0, width - new, 0))])
        self.mask = torch.cat([F.pad(self.mask, (width - old, 0)), F.pad(mask, (width - new, 0))])

    def _trim(self) -> None:
        """Drop the leading key columns no live row attends (left by rows that have left), so a long-running
        decode costs what its live rows need, not what everyone before them did."""
        assert self.cache is not None and self.mask is not None
        start = int(self.mask.any(dim=0).nonzero()[0, 0])
        if start:
            self.mask = self.mask[:, start:]
            for layer in self.cache.layers:
                layer.keys, layer.values = layer.keys[:, :, start:], layer.values[:, :, start:]

    def step(self, cancelled: Callable[[Piece], bool]) -> list[Piece]:
        """Choose each live piece's next token(s); return the pieces that left (search ended, or cancelled)."""
        assert self.logits is not None and self.cache is not None and self.mask is not None
        keep, tokens, positions, still, left = [], [], [], [], []
        offset = 0
        for piece in self.live:
            search = piece.search
            mine, base = self.logits[offset : offset + search.beams], offset
            offset += search.beams
            if cancelled(piece):
                left.append(piece)
                continue
            parents = search.step(mine)
            if search.done:
                piece.codes = search.codes()
                left.append(piece)
                continue
            keep.append(parents + base)
            tokens.append(search.running[:, search.length - 1])
            # mel positions as upstream's generate feeds them: the start token at 0, the n-th sampled token at n
            positions.append(torch.full((search.beams,), search.length, dtype=torch.long, device=self.r.device))
            still.append(piece)
        self.live = still
        self.steps += 1
        if not still:
            self.cache = self.mask = self.logits = None
            return left
        index = torch.cat(keep)
        self.cache.reorder_cache(index)
        self.mask = torch.cat([self.mask[index], self.mask.new_ones(len(index), 1)], dim=1)
        self._trim()
        embeds = self.inference.embeddings(torch.cat(tokens)) + self.inference.text_pos_embedding.emb(torch.cat(positions))
        out = self.inference.transformer(
            inputs_embeds=embeds.unsqueeze(1), attention_mask=self.mask, past_key_values=self.cache, use_cache=True
        )
        self.logits = self.inference.lm_head(out.last_hidden_state[:, -1])
        return left


class BatchRenderer:
    """Renders ``Request`` lists on one loaded upstream ``IndexTTS2`` instance (hold its lock around calls)."""

    def __init__(self, model: Any) -> None:
        self.m = model
        self.gpt = model.gpt
        self.device = torch.device(model.device)
        self._speakers: OrderedDict[str, tuple] = OrderedDict()
        self._emotions: OrderedDict[str, torch.Tensor] = OrderedDict()

    @staticmethod
    def supported(model: Any) -> bool:
        """Whether ``model`` has the upstream parts this renderer drives (2.x of indextts2-inference)."""
        gpt = getattr(model, "gpt", None)
        return all(
            hasattr(model, name) for name in ("s2mel", "bigvgan", "semantic_codec", "tokenizer", "_get_speaker_conditioning")
        ) and all(hasattr(gpt, name) for name in ("inference_model", "prepare_gpt_inputs", "get_conditioning", "merge_emovec"))

    # -- public --------------------------------------------------------------------------------

    @torch.no_grad()
    def render(
        self,
        requests: list[Request],
        ready: Callable[[int, torch.Tensor | None], None] | None = None,
        more: Callable[[int], list[Request]] | None = None,
    ) -> list[torch.Tensor | None]:
        """Float audio at 22.05 kHz per request (None for one cancelled on the way).

        All requests' segments decode together. A request is finished (latent, mel, vocoder) as soon as
        its segments' searches have ended and handed to ``ready``, while the others decode on. Between
        steps ``more(live)`` (``live``: requests still decoding) may return requests that join the
        running decode; they are numbered after those given, in the order they came."""
        started = time.perf_counter()
        requests = list(requests)
        out: dict[int, torch.Tensor | None] = {}
        waiting: dict[int, list[Piece]] = {}
        decoder = _Decoder(self)

        def admit(first: int) -> None:
            pieces = []
            for owner in range(first, len(requests)):
                waiting[owner] = self._pieces(owner, requests[owner])
                pieces.extend(waiting[owner])
            decoder.add(pieces)

        def finish(owner: int, audio: torch.Tensor | None) -> None:
            out[owner] = audio
            waiting.pop(owner, None)
            if ready is not None:
                ready(owner, audio)

        with self._autocast():
            admit(0)
        while decoder.live:
            with self._autocast():
                left = decoder.step(lambda piece: requests[piece.owner].cancelled())
            for piece in left:
                owner = piece.owner
                if owner in out:
                    continue
                if requests[owner].cancelled():
                    finish(owner, None)
                elif all(p.codes is not None for p in waiting[owner]):
                    finish(owner, self._joined(requests[owner], [self._audio(p) for p in waiting[owner]]))
            if more is not None and decoder.live:
                joining = more(len(waiting))
                if joining:
                    first = len(requests)
                    requests.extend(joining)
                    with self._autocast():
                        admit(first)
        for owner in range(len(requests)):  # a request with no text segment at all
            if owner not in out:
                finish(owner, None if requests[owner].cancelled() else torch.zeros(0))
        log.info(
            "indextts2 batch: %d request(s), %d decode rows at most, %d steps, %.2fs",
            len(requests),
            decoder.most_rows,
            decoder.steps,
            time.perf_counter() - started,
        )
        return [out[i] for i in range(len(requests))]

    @staticmethod
    def _joined(request: Request, audios: list[torch.Tensor]) -> torch.Tensor:
        """A request's upstream segments with its interval silence between them, as ``infer`` joins them."""
        gap = torch.zeros(1, int(NATIVE_RATE * request.interval_silence_ms / 1000))
        joined: list[torch.Tensor] = []
        for i, audio in enumerate(audios):
            joined.extend([gap, audio] if i else [audio])
        return torch.cat(joined, dim=1)[0] if joined else torch.zeros(0)

    # -- conditioning --------------------------------------------------------------------------

    def _speaker(self, path: str) -> tuple:
        if path not in self._speakers:
            self._speakers[path] = self.m._get_speaker_conditioning(path)  # noqa: SLF001 - upstream's own
            while len(self._speakers) > CONDITIONING_CACHE:
                self._speakers.popitem(last=False)
        self._speakers.move_to_end(path)
        return self._speakers[path]

    def _emotion(self, path: str) -> torch.Tensor:
        if path not in self._emotions:
            self._emotions[path] = self.m._get_emotion_conditioning(path)  # noqa: SLF001 - upstream's own
            while len(self._emotions) > CONDITIONING_CACHE:
                self._emotions.popitem(last=False)
        self._emotions.move_to_end(path)
        return self._emotions[path]

    def _conditioning(self, r: Request) -> dict[str, torch.Tensor]:
        """Upstream's emotion rules: a vector or a text description overrides an emotion clip."""
        emotion_audio = None if (r.use_emotion_text or r.emotion_vector is not None) else r.emotion_audio
        vector = r.emotion_vector
        if r.use_emotion_text:
            vector = list(self.m.qwen_emo.inference(r.emotion_text or r.text).values())
        alpha = r.emotion_weight
        if vector is not None:
            scale = max(0.0, min(1.0, alpha))
            if scale != 1.0:
                vector = [int(x * scale * 10000) / 10000 for x in vector]
        if emotion_audio is None:
            emotion_audio, alpha = r.speaker, 1.0
        spk, style, prompt, ref_mel = self._speaker(r.speaker)
        emo = self._emotion(emotion_audio)
        lengths = torch.tensor([spk.shape[-1]], device=self.device)
        emo_lengths = torch.tensor([emo.shape[-1]], device=self.device)
        with self._autocast():
            emovec = self.gpt.merge_emovec(spk, emo, lengths, emo_lengths, alpha=alpha)
            if vector is not None:
                from indextts.emotion import find_most_similar_cosine

                weights = torch.tensor(vector, device=self.device)
                rows = [find_most_similar_cosine(style, m) for m in self.m.spk_matrix]
                mixed = torch.cat([m[i].unsqueeze(0) for i, m in zip(rows, self.m.emo_matrix, strict=True)], 0)
                emovec = (weights.unsqueeze(1) * mixed).sum(0).unsqueeze(0) + (1 - weights.sum()) * emovec
            latent = self.gpt.get_conditioning(spk.transpose(1, 2), lengths)
        return {
            "spk": spk,
            "style": style,
            "prompt": prompt,
            "ref_mel": ref_mel,
            "emo": emo,
            "emovec": emovec,
            "latent": latent,
            "lengths": lengths,
            "emo_lengths": emo_lengths,
        }

    def _pieces(self, owner: int, r: Request) -> list[Piece]:
        if r.cancelled():  # gone before it started: nothing to prepare
            return []
        conditioning = self._conditioning(r)
        tokens = self.m.tokenizer.tokenize(r.text)
        parts = self.m.tokenizer.split_segments(tokens, r.max_text_tokens)
        pieces = []
        for index, part in enumerate(parts):
            ids = torch.tensor(self.m.tokenizer.convert_tokens_to_ids(part), dtype=torch.int32, device=self.device)
            # a stream per text segment, derived from the request's seed: the same whatever shares the batch
            generator = torch.Generator(device=self.device).manual_seed((r.seed + 1_000_003 * index) % 2**63)
            pieces.append(Piece(owner, ids.unsqueeze(0), conditioning, r.settings, generator))
        return pieces

    def _autocast(self) -> torch.autocast:
        dtype = self.m.dtype
        return torch.amp.autocast(self.device.type, enabled=dtype is not None, dtype=dtype)

    # -- the batched decode --------------------------------------------------------------------

    def prompt(self, piece: Piece) -> tuple[torch.Tensor, torch.Tensor]:
        """(fake input ids, prompt embeddings including the start token) as upstream builds them."""
        c = piece.conditioning
        batch = piece.text_tokens.shape[0]
        duration = self.gpt.speed_emb(torch.zeros(batch, dtype=torch.long, device=self.device))
        duration_half = self.gpt.speed_emb(torch.ones(batch, dtype=torch.long, device=self.device))
        conds = torch.cat((c["latent"] + c["emovec"].unsqueeze(1), duration_half.unsqueeze(1), duration.unsqueeze(1)), 1)
        ids, embeds, _mask = self.gpt.prepare_gpt_inputs(conds, piece.text_tokens)
        inference = self.gpt.inference_model
        start = inference.embeddings(ids[:, -1:]) + inference.text_pos_embedding.emb(
            torch.zeros(1, dtype=torch.long, device=self.device)
        )
        return ids, torch.cat([embeds, start], dim=1)[0]

    # -- after the decode: latent, mel, vocoder, per piece -------------------------------------

    def _audio(self, piece: Piece) -> torch.Tensor:
        c = piece.conditioning
        codes = piece.codes
        assert codes is not None
        if codes.shape[1] == 0:  # the search stopped at once: nothing to say
            return torch.zeros(1, 0)
        text = piece.text_tokens
        dev = self.device
        with self._autocast():
            latent = self.gpt(
                c["latent"],
                text,
                torch.tensor([text.shape[-1]], device=dev),
                codes,
                torch.tensor([codes.shape[-1]], device=dev),
                c["emo"],
                cond_mel_lengths=c["lengths"],
                emo_cond_mel_lengths=c["emo_lengths"],
                emo_vec=c["emovec"],
                use_speed=torch.zeros(1, dtype=torch.long, device=dev),
            )
        s2mel = self.m.s2mel.models
        latent = s2mel["gpt_layer"](latent)
        semantic = self.m.semantic_codec.quantizer.vq2emb(codes.unsqueeze(1)).transpose(1, 2) + latent
        target = (torch.tensor([codes.shape[1]], device=dev) * FRAMES_PER_CODE).long()
        cond = s2mel["length_regulator"](semantic, ylens=target, n_quantizers=3, f0=None)[0]
        joined = torch.cat([c["prompt"], cond], dim=1)
        cfm = s2mel["cfm"]
        noise = torch.randn([1, cfm.in_channels, joined.size(1)], device=dev, generator=piece.generator)
        t_span = torch.linspace(0, 1, DIFFUSION_STEPS + 1, device=dev)
        lengths = torch.LongTensor([joined.size(1)]).to(dev)
        mel = cfm.solve_euler(noise, lengths, c["ref_mel"], joined, c["style"], None, t_span, CFG_RATE)
        mel = mel[:, :, c["ref_mel"].size(-1) :]
        wav = self.m.bigvgan(mel.float()).squeeze().unsqueeze(0)
        return torch.clamp(wav, -1.0, 1.0).float().cpu()

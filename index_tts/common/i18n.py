"""UI strings in Chinese and English; the page can switch between them at any time."""

from __future__ import annotations

LANGUAGES = ("zh", "en")

STRINGS: dict[str, dict[str, str]] = {
    "title": {"zh": "IndexTTS 情感语音合成", "en": "IndexTTS expressive speech"},
    "subtitle": {
        "zh": "离线运行的富有表现力的语音合成演示。输入文字，选择音色与情感，点击“合成”。",
        "en": "An offline, expressive text-to-speech demo. Type text, pick a voice and an emotion, press Synthesize.",
    },
    "ui_language": {"zh": "界面语言 / Language", "en": "Language / 界面语言"},
    "text": {"zh": "文本", "en": "Text"},
    "text_placeholder": {"zh": "请输入要合成的文字……", "en": "Type the text to speak…"},
    "char_count": {"zh": "字数：{n} / {limit}", "en": "Characters: {n} / {limit}"},
    "char_count_over": {
        "zh": "⚠️ 字数：{n} / {limit}，超出 {over} 字：请删减到 {limit} 字以内再合成。",
        "en": "⚠️ Characters: {n} / {limit}, {over} over the limit: shorten the text to {limit} or fewer to synthesize.",
    },
    "text_too_long": {
        "zh": "文本有 {n} 字，超出上限 {limit} 字，请删减后再合成。",
        "en": "The text has {n} characters, more than the limit of {limit}: shorten it, then synthesize.",
    },
    "voice": {"zh": "音色", "en": "Voice"},
    "reference_audio": {"zh": "音色参考音频（上传或录音）", "en": "Voice reference audio (upload or record)"},
    "no_cloning": {
        "zh": "ℹ️ 当前引擎（{engine}）不支持声音克隆：参考音频会被忽略，使用上面选择的音色。",
        "en": "ℹ️ The current engine ({engine}) cannot clone voices: reference audio is ignored and the voice above is used.",
    },
    "emotion": {"zh": "情感控制", "en": "Emotion control"},
    "emotion_mode": {"zh": "情感控制方式", "en": "Emotion control mode"},
    "mode_voice": {"zh": "与音色参考音频相同", "en": "Same as the voice reference"},
    "mode_audio": {"zh": "使用情感参考音频", "en": "Use an emotion reference clip"},
    "mode_vector": {"zh": "使用情感向量控制", "en": "Use emotion vector sliders"},
    "mode_text": {"zh": "使用情感描述文本控制", "en": "Use an emotion description"},
    "emotion_audio": {"zh": "情感参考音频", "en": "Emotion reference clip"},
    "emotion_weight": {"zh": "情感权重", "en": "Emotion weight"},
    "emotion_random": {"zh": "情感随机采样", "en": "Random emotion sampling"},
    "emotion_text": {"zh": "情感描述文本", "en": "Emotion description"},
    "emotion_text_placeholder": {
        "zh": "例如：带着一点委屈的语气（留空则使用正文）",
        "en": "e.g. slightly hurt and disappointed (empty: use the main text)",
    },
    "partial_emotion": {
        "zh": "ℹ️ 当前引擎（{engine}）以韵律（音高、音域、语速、响度、停顿）表现情感：滑块、情感描述，"
        "或情感参考音频的音高、音域、语速与响度（相对于所选音色的平静朗读）。",
        "en": "ℹ️ The current engine ({engine}) renders emotion as prosody (pitch, range, tempo, loudness, pauses): "
        "from the sliders, a description, or an emotion reference clip's pitch, range, rate and loudness "
        "(relative to the voice's neutral reading).",
    },
    "voice_match_note": {
        "zh": "ℹ️ 音色匹配：当前引擎（{engine}）不能克隆音色。上传参考音频后，将从全部可选音色中选出音色最接近的一个"
        "（按声纹模型比较音色，并参考中位音高），再把音高调到参考音频的中位音高；音色本身仍是所选内置音色。",
        "en": "ℹ️ Voice match: the current engine ({engine}) cannot clone voices. With a reference clip it picks the "
        "offered voice closest in timbre (compared by a speaker-embedding model, with the median pitch taken into "
        "account) and moves it to the clip's median pitch; the timbre stays that voice's.",
    },
    "notice_voice_match": {
        "zh": "音色匹配：最接近的是 {voice}（音色相似度 {similarity:.2f}），音高 {shift:+.1f} 半音"
        "（参考音频中位音高 {ref_hz} Hz）",
        "en": "Voice match by timbre: closest is {voice} (timbre similarity {similarity:.2f}), pitch {shift:+.1f} "
        "semitones (reference median {ref_hz} Hz)",
    },
    "notice_voice_match_pitch": {
        "zh": "近似音色匹配（仅按音高，缺少声纹模型，请运行 python -m index_tts prepare）：{voice}，音高 {shift:+.1f} 半音"
        "（参考音频中位音高 {ref_hz} Hz）",
        "en": "Approximate voice match by pitch alone (no speaker encoder; run python -m index_tts prepare): {voice}, "
        "pitch {shift:+.1f} semitones (reference median {ref_hz} Hz)",
    },
    "notice_pitch_reach": {
        "zh": "{voice} 的音高到不了 {asked:+.1f} 半音：实际约 {reached:+.1f} 半音（已取此音色能达到的最大幅度）",
        "en": "{voice} cannot move its pitch {asked:+.1f} semitones here: it reaches about {reached:+.1f} (the furthest "
        "this voice goes)",
    },
    "notice_pitch_reach_emotion": {
        "zh": "{voice} 的音高到不了 {asked:+.1f} 半音（音高 {pitch:+.1f} 加情感 {emotion:+.1f}）：实际约 {reached:+.1f} 半音，"
        "情感在音高上的表现弱于设定",
        "en": "{voice} cannot move its pitch {asked:+.1f} semitones (pitch {pitch:+.1f} plus the emotion's {emotion:+.1f}): "
        "it reaches about {reached:+.1f}, so the emotion shows less in the pitch than asked",
    },
    "notice_pitch_ignored": {
        "zh": "{engine} 引擎不能调整音高，音高设置未生效。",
        "en": "The {engine} engine does not change pitch: the pitch setting was not applied.",
    },
    "notice_trimmed_voice": {
        "zh": "音色参考音频长 {seconds} 秒，只使用了前 30 秒。",
        "en": "The voice reference is {seconds} s long; only its first 30 s were used.",
    },
    "notice_trimmed_emotion": {
        "zh": "情感参考音频长 {seconds} 秒，只使用了前 30 秒。",
        "en": "The emotion reference clip is {seconds} s long; only its first 30 s were used.",
    },
    "no_emotion": {
        "zh": "ℹ️ 当前引擎（{engine}）暂不渲染情感：设置会随请求传给引擎，但声音不会因此改变。",
        "en": "ℹ️ The current engine ({engine}) does not render emotion yet: "
        "the settings are passed to it but do not change the sound.",
    },
    "speed": {"zh": "语速", "en": "Speed"},
    "seed": {"zh": "随机种子", "en": "Seed"},
    "advanced": {"zh": "高级设置", "en": "Advanced settings"},
    "text_language": {"zh": "文本语言", "en": "Text language"},
    "max_segment": {"zh": "分句最大长度（汉字或英文单词数）", "en": "Maximum segment length (CJK characters or words)"},
    "preview": {"zh": "分句预览", "en": "Segment preview"},
    "preview_headers": {"zh": "序号|分句|语言|长度|音素数", "en": "#|Segment|Language|Units|Phonemes"},
    "examples": {"zh": "示例", "en": "Examples"},
    "synthesize": {"zh": "合成", "en": "Synthesize"},
    "output": {"zh": "合成结果", "en": "Result"},
    "downloads": {"zh": "下载：音频（.wav）与字幕（.srt）", "en": "Download: audio (.wav) and subtitles (.srt)"},
    "history_title": {"zh": "历史记录（本浏览器中最近 20 条）", "en": "History (your last 20 takes, kept in this browser)"},
    "history_empty": {"zh": "还没有合成记录。", "en": "No takes yet."},
    "history_use": {"zh": "用这些设置再来一次", "en": "Use these settings again"},
    "history_delete": {"zh": "删除", "en": "Delete"},
    "history_clear": {"zh": "全部清除", "en": "Clear all"},
    "history_wav": {"zh": "下载音频", "en": "Audio"},
    "history_srt": {"zh": "下载字幕", "en": "Subtitles"},
    "history_gone": {"zh": "音频已超过保留期限，已被删除", "en": "the audio is older than the app keeps: deleted"},
    "history_restored": {"zh": "已恢复这条记录的设置", "en": "The take's settings are back"},
    "history_clip_gone": {
        "zh": "这条记录所用的参考音频已不再保留，请重新上传",
        "en": "The clip this take was made with is no longer kept: upload it again",
    },
    "follow_along": {
        "zh": "跟读：播放时高亮正在朗读的文字，点击文字可跳到该处",
        "en": "Follow along: the words being spoken light up; click a word to jump there",
    },
    "presets": {"zh": "预设", "en": "Presets"},
    "preset_saved": {"zh": "已保存的预设", "en": "Saved presets"},
    "preset_name": {"zh": "预设名称", "en": "Preset name"},
    "preset_load": {"zh": "载入预设", "en": "Load preset"},
    "preset_save": {"zh": "保存当前设置", "en": "Save current settings"},
    "preset_none_chosen": {
        "zh": "请先在“已保存的预设”里选一个预设，再点“载入预设”。",
        "en": "Choose a preset under “Saved presets” first, then press “Load preset”.",
    },
    "preset_bad_name": {
        "zh": "预设名称只能用 1-40 个文字、数字、空格、- 或 _（不能有 / 或 .），请在“预设名称”里改一下。",
        "en": "A preset name is 1-40 letters, digits, spaces, - or _ (no / or .): change it under “Preset name”.",
    },
    "preset_missing": {
        "zh": "没有名为“{name}”的预设（可能已被删除），请从列表里另选一个。",
        "en": "There is no preset named “{name}” (it may have been deleted); choose another from the list.",
    },
    "preset_damaged": {
        "zh": "预设“{name}”的文件已损坏，无法载入；请重新保存它。",
        "en": "The file of preset “{name}” is damaged and cannot be loaded; save it again.",
    },
    "preset_bad_value": {"zh": "这些设置无法保存为预设：{reason}", "en": "These settings cannot be saved as a preset: {reason}"},
    "preset_stored": {"zh": "已保存预设“{name}”。", "en": "Saved preset “{name}”."},
    "preset_loaded": {"zh": "已载入预设“{name}”。", "en": "Loaded preset “{name}”."},
    "pitch": {"zh": "音高（半音）", "en": "Pitch (semitones)"},
    "voice_blend_hint": {
        "zh": "前五个读中英日三语，其后为普通话、美式/英式英语、西班牙语、法语、意大利语、葡萄牙语母语音色（输入语言名可筛选）；"
        "可输入混合音色，如 jf_alpha:0.6+jm_kumo:0.4",
        "en": "First five: Chinese, English, Japanese; then native Mandarin, US/UK English, Spanish, French, Italian and"
        " Portuguese voices (type a language to filter); or type a blend, e.g. jf_alpha:0.6+jm_kumo:0.4",
    },
    "voice_preview": {"zh": "试听", "en": "Preview"},
    "voice_preview_player": {"zh": "音色试听", "en": "Voice preview"},
    "voice_preview_unlisted": {
        "zh": "只能试听列表中的音色（混合音色请直接合成）。",
        "en": "Only the voices in the list have a preview (synthesize to hear a blend).",
    },
    "notice_emotion_from_text": {
        "zh": "由情感描述得到的情感向量：{vector}",
        "en": "Emotion vector from the description: {vector}",
    },
    "notice_emotion_drawn": {"zh": "随机抽到的情感：{vector}", "en": "Randomly drawn emotion: {vector}"},
    "notice_cached": {
        "zh": "{n}/{total} 段来自缓存（此前合成过的相同内容）",
        "en": "{n} of {total} segment(s) from the cache (rendered before)",
    },
    "notice_engine_fallback": {
        "zh": "所选引擎 {engine} 未能启动，由内置引擎朗读：{reason}",
        "en": "{engine} could not start, so the embedded engine serves: {reason}",
    },
    "notice_segment_fallback": {
        "zh": "{engine} 处理本次请求时出错，已改由内置引擎（{fallback}）朗读",
        "en": "{engine} failed on this request; the embedded engine ({fallback}) spoke it instead",
    },
    "fallback_banner": {
        "zh": "⚠️ 所选引擎未能启动，现由内置引擎（Kokoro）朗读：{reason}",
        "en": "⚠️ The chosen engine could not start; the embedded engine (Kokoro) is speaking instead: {reason}",
    },
    "sampling": {"zh": "采样参数（IndexTTS2）", "en": "Sampling (IndexTTS2)"},
    "info": {
        "zh": "音频 {audio:.2f} 秒 · 合成耗时 {compute:.2f} 秒 · RTF {rtf:.3f} · {segments} 段",
        "en": "Audio {audio:.2f} s · synthesis {compute:.2f} s · RTF {rtf:.3f} · {segments} segment(s)",
    },
    "info_cached": {
        "zh": "音频 {audio:.2f} 秒 · 来自缓存（此前合成过，未重新合成） · {segments} 段",
        "en": "Audio {audio:.2f} s · from the cache (rendered before, not synthesized again) · {segments} segment(s)",
    },
    "progress_text": {"zh": "⏳ 正在合成……", "en": "⏳ Synthesizing…"},
    "progress_segment": {"zh": "⏳ 已合成 {i}/{n} 段……", "en": "⏳ {i} of {n} segments rendered…"},
    "progress_waiting": {
        "zh": "⏳ 排队中：前面的语音约需 {seconds} 秒合成（按本机实测速度估算），之后开始合成您的文本。",
        "en": "⏳ Waiting: the speech ahead of yours needs about {seconds} s to render (at this machine's measured "
        "speed); yours starts after it.",
    },
    "progress_saving": {"zh": "保存音频", "en": "Saving audio"},
    "stream": {"zh": "边合成边播放", "en": "Play while synthesizing"},
    "stream_unavailable": {
        "zh": "此页面不支持边合成边播放，请使用“合成”按钮。",
        "en": "This page cannot play while synthesizing; use the Synthesize button.",
    },
    "stream_starting": {"zh": "正在合成……", "en": "Synthesizing…"},
    "stream_failed": {"zh": "无法播放：", "en": "Could not play:"},
    "stream_playing": {"zh": "首个声音用时 {ms} 毫秒，正在播放……", "en": "First sound after {ms} ms, playing…"},
    "stream_done": {"zh": "首个声音用时 {ms} 毫秒，共 {s} 秒音频。", "en": "First sound after {ms} ms; {s} s of audio."},
    "stream_buffering": {"zh": "缓冲中……（合成慢于播放，稍候继续）", "en": "Buffering… (synthesis is slower than playback)"},
    "stream_stopped": {"zh": "已停止播放。", "en": "Playback stopped."},
    "stream_stop": {"zh": "停止播放", "en": "Stop playback"},
    "err_text_empty": {
        "zh": "“文本”框是空的：请先输入要合成的文字。",
        "en": "The “Text” box is empty: type the text to speak first.",
    },
    "err_nothing_to_speak": {
        "zh": "“文本”里没有可以朗读的内容（只有标点或符号）：请输入文字。",
        "en": "The “Text” has nothing to speak (only punctuation or symbols): type some words.",
    },
    "err_emotion_clip_missing": {
        "zh": "情感控制方式“使用情感参考音频”需要一段音频：请在“情感参考音频”里上传或录制。",
        "en": "The emotion mode “Use an emotion reference clip” needs a clip: upload or record one under "
        "“Emotion reference clip”.",
    },
    "err_range": {"zh": "“{control}”应在 {lo} 到 {hi} 之间。", "en": "“{control}” must be between {lo} and {hi}."},
    "err_emotion_vector": {
        "zh": "情感向量需要 8 个值（喜 怒 哀 惧 厌恶 低落 惊喜 平静），每个在 0 到 1 之间。",
        "en": "The emotion vector needs 8 values (happy, angry, sad, afraid, disgusted, melancholic, surprised, calm), "
        "each between 0 and 1.",
    },
    "err_emotion_text_long": {
        "zh": "“情感描述文本”超过 {limit} 字：请缩短。",
        "en": "The “Emotion description” is longer than {limit} characters: shorten it.",
    },
    "err_voice_name": {
        "zh": "“音色”的名称应为 1 到 {limit} 个字符。",
        "en": "The “Voice” name must be 1 to {limit} characters.",
    },
    "err_text_language": {
        "zh": "“文本语言”只能是 auto、zh、en 或 ja。",
        "en": "The “Text language” must be one of auto, zh, en, ja.",
    },
    "err_unknown_voice": {
        "zh": "没有名为“{voice}”的音色：请从“音色”列表里选一个，或输入混合音色（如 jf_alpha:0.6+jm_kumo:0.4）。",
        "en": "There is no voice named “{voice}”: choose one from the “Voice” list, or type a blend "
        "(e.g. jf_alpha:0.6+jm_kumo:0.4).",
    },
    "err_clip_missing": {
        "zh": "{clip}文件已不在服务器上：请重新上传。",
        "en": "The {clip} file is no longer on the server: upload it again.",
    },
    "err_clip_too_big": {
        "zh": "{clip}太大（{mb} MB），上限 {limit} MB。",
        "en": "The {clip} is {mb} MB; the limit is {limit} MB.",
    },
    "err_clip_unreadable": {
        "zh": "{clip}无法读取为音频（可用格式：{formats}）。",
        "en": "The {clip} could not be read as audio ({formats} are accepted).",
    },
    "err_clip_rate": {
        "zh": "{clip}的采样率是 {rate} Hz：请使用 {lo}-{hi} Hz 的音频。",
        "en": "The {clip} has a sample rate of {rate} Hz; use {lo}-{hi} Hz.",
    },
    "err_clip_invalid": {"zh": "{clip}含有无效的采样值。", "en": "The {clip} holds invalid samples."},
    "err_clip_short": {
        "zh": "{clip}只有 {seconds} 秒：至少需要 {minimum} 秒的语音。",
        "en": "The {clip} is {seconds} s long; it needs at least {minimum} s of speech.",
    },
    "err_clip_silent": {
        "zh": "{clip}是静音的：请录制或上传一段有说话声的音频。",
        "en": "The {clip} is silent: record or upload a clip with speech in it.",
    },
    "clip_voice": {"zh": "音色参考音频", "en": "voice reference"},
    "clip_emotion": {"zh": "情感参考音频", "en": "emotion reference clip"},
    "clip_generic": {"zh": "参考音频", "en": "reference clip"},
    "interval_silence": {"zh": "分句间隔静音（毫秒）", "en": "Interval silence (ms)"},
    "busy": {"zh": "服务繁忙，请稍后再试。", "en": "The app is busy, please try again in a moment."},
    "busy_wait": {
        "zh": "服务繁忙：排在前面的语音还要合成约 {retry} 秒，请 {retry} 秒后再试。",
        "en": "The app is busy: the speech ahead of yours needs about {retry} s more to render; please try again then.",
    },
    "rate_limited": {
        "zh": "请求太频繁：每分钟最多 {n} 次，请 {seconds} 秒后再试。",
        "en": "Too many requests: at most {n} per minute; please try again in {seconds} s.",
    },
}

EMOTION_NAMES = {
    "zh": ("喜", "怒", "哀", "惧", "厌恶", "低落", "惊喜", "平静"),
    "en": ("Happy", "Angry", "Sad", "Afraid", "Disgusted", "Melancholic", "Surprised", "Calm"),
}


def t(key: str, lang: str, **values: object) -> str:
    """The string ``key`` in ``lang`` (falling back to Chinese), formatted with ``values``."""
    entry = STRINGS[key]
    text = entry.get(lang) or entry["zh"]
    return text.format(**values) if values else text


def history_labels() -> dict[str, dict[str, str]]:
    """The history's words, for the page's JavaScript, in each language."""
    return {lang: {key[len("history_") :]: entry[lang] for key, entry in STRINGS.items() if key.startswith("history_")}
            for lang in LANGUAGES}  # fmt: skip


def stream_labels() -> dict[str, dict[str, str]]:
    """The streaming player's status strings, for the page's JavaScript ({ms} and {s} filled in there)."""
    keys = {
        "starting": "stream_starting", "failed": "stream_failed", "playing": "stream_playing", "done": "stream_done",
        "buffering": "stream_buffering", "stopped": "stream_stopped",
    }  # fmt: skip
    return {lang: {name: STRINGS[key][lang] for name, key in keys.items()} for lang in LANGUAGES}

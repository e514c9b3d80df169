// Plays speech while it is being synthesized. The page's button has already turned every control
// into the same request the Synthesize button sends and prepared it on the server; this fetches
// its raw 24 kHz s16le PCM once (GET api/stream/<token>) and schedules each chunk with the Web
// Audio API as it arrives. Sound starts after the first short segment instead of after the whole
// text (and without the HLS delay of a streaming <audio> element).
(() => {
  const RATE = 24000;
  const DRY_CHECK_MS = 200;
  // {controller, context, labels, timer, pcm: the samples so far, chunks: where each scheduled piece of
  // audio plays ({at: context seconds, offset: audio seconds, duration}), sources: the scheduled nodes}
  let current = null;

  // Where in the speech the listener is now (audio seconds), for the follow-along text; null before sound.
  window.indexTTSStreamClock = () => {
    if (!current) return null;
    const now = current.context.currentTime;
    for (let i = current.chunks.length - 1; i >= 0; i--) {
      const c = current.chunks[i];
      if (c.at <= now) return c.offset + Math.min(now - c.at, c.duration);
    }
    return null;
  };

  // Plays the speech received so far from ``seconds`` on (a word clicked in the follow-along text); what is
  // still coming is scheduled after it as it arrives.
  window.indexTTSStreamSeek = (seconds) => {
    if (!current) return;
    const mine = current;
    const total = mine.pcm.reduce((n, part) => n + part.length, 0);
    const from = Math.max(0, Math.min(total, Math.floor(seconds * RATE)));
    if (from >= total) return;
    for (const node of mine.sources) { try { node.stop(); } catch (e) { /* not started */ } }
    mine.sources = [];
    const buffer = mine.context.createBuffer(1, total - from, RATE);
    const channel = buffer.getChannelData(0);
    let at = 0;
    for (const part of mine.pcm) {
      for (let i = Math.max(0, from - at); i < part.length; i++) channel[at + i - from] = part[i] / 32768;
      at += part.length;
    }
    const start = mine.context.currentTime + 0.02;
    mine.sources.push(play(mine.context, buffer, start));
    mine.chunks = [{ at: start, offset: from / RATE, duration: buffer.duration }];
    mine.next = start + buffer.duration;
  };

  function play(context, buffer, at) {
    const source = context.createBufferSource();
    source.buffer = buffer;
    source.connect(context.destination);
    source.start(at);
    return source;
  }

  function status(text) {
    const el = document.getElementById("stream-status");
    if (el) el.textContent = text;
  }

  // Stops the sound and the download (the server then drops the request's remaining segments).
  // The stop button passes byUser, so the status says it was stopped.
  async function stop(byUser) {
    if (!current) return;
    const { controller, context, labels, timer } = current;
    current = null;
    clearInterval(timer);
    controller.abort();
    try { await context.close(); } catch (e) { /* already closed */ }
    if (byUser === true) status(labels.stopped);
    window.indexTTSStopped = true;
  }

  window.indexTTSStop = stop;
  // The page's stop button (#stream-stop) is wired here, not through a Gradio event: it acts at once.
  document.addEventListener("click", (event) => {
    if (event.target instanceof Element && event.target.closest("#stream-stop")) stop(true);
  });

  window.indexTTSPlay = async (token, labels) => {
    await stop();
    const clicked = window.indexTTSClickedAt || performance.now(); // set by the button, before the request went out
    window.indexTTSClickedAt = null;
    const controller = new AbortController();
    const context = new AudioContext({ sampleRate: RATE });
    const mine = { controller, context, labels, timer: null, pcm: [], chunks: [], sources: [], next: 0 };
    current = mine;
    if (window.indexTTSFollowStream) window.indexTTSFollowStream(token);
    window.indexTTSStopped = false;
    window.indexTTSBufferingShown = 0;
    window.indexTTSFirstSoundMs = null;
    window.indexTTSStreamSeconds = null;
    const kept = window.indexTTSKeepPCM ? [] : null; // tests compare the samples with the Synthesize button's
    window.indexTTSStreamPCM = null;
    status(labels.starting);
    let response;
    try {
      response = await fetch("api/stream/" + encodeURIComponent(token), { signal: controller.signal });
    } catch (e) {
      status(labels.failed + " " + e);
      return;
    }
    if (!response.ok) {
      let message = response.statusText;
      try { message = (await response.json()).error.message; } catch (e) { /* not JSON */ }
      status(labels.failed + " " + message);
      return;
    }
    // The server's start-up buffer: how much longer the rest takes to render than to play, at the measured
    // speed (0 when rendering keeps ahead). The first sound waits that long, so playback then runs through.
    const lead = Math.min(10, Math.max(0, parseFloat(response.headers.get("X-Playback-Lead-Seconds")) || 0));
    window.indexTTSLeadSeconds = lead;
    const reader = response.body.getReader();
    let leftover = null;
    let seconds = 0;
    let buffering = false;
    // Everything scheduled has played but more is coming: say so instead of leaving a silent gap.
    mine.timer = setInterval(() => {
      if (seconds > 0 && !buffering && context.currentTime > mine.next + 0.05) {
        buffering = true;
        window.indexTTSBufferingShown += 1;
        status(labels.buffering);
      }
    }, DRY_CHECK_MS);
    const finish = () => clearInterval(mine.timer); // the sound already scheduled plays on; stop still stops it
    while (true) {
      let part;
      try { part = await reader.read(); } catch (e) { finish(); return; } // stopped
      if (part.done) break;
      let bytes = part.value;
      if (leftover) {
        const joined = new Uint8Array(leftover.length + bytes.length);
        joined.set(leftover); joined.set(bytes, leftover.length);
        bytes = joined; leftover = null;
      }
      if (bytes.length % 2) { leftover = bytes.slice(-1); bytes = bytes.slice(0, -1); }
      if (!bytes.length) continue;
      const samples = new Int16Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
      if (kept) kept.push(samples);
      mine.pcm.push(samples);
      const buffer = context.createBuffer(1, samples.length, RATE);
      const channel = buffer.getChannelData(0);
      for (let i = 0; i < samples.length; i++) channel[i] = samples[i] / 32768;
      const at = Math.max(context.currentTime + (seconds === 0 ? 0.02 + lead : 0.02), mine.next);
      mine.sources.push(play(context, buffer, at));
      mine.chunks.push({ at, offset: seconds, duration: buffer.duration });
      mine.next = at + buffer.duration;
      seconds += buffer.duration;
      if (window.indexTTSFirstSoundMs === null) {
        window.indexTTSFirstSoundMs = performance.now() - clicked + (at - context.currentTime) * 1000;
      }
      if (buffering || seconds === buffer.duration) {
        buffering = false;
        if (at - context.currentTime > 0.5) status(labels.buffering); // the start-up buffer fills first
        setTimeout(() => {
          if (current === mine && !buffering && !mine.finished) status(labels.playing.replace("{ms}", Math.round(window.indexTTSFirstSoundMs)));
        }, Math.max(0, (at - context.currentTime) * 1000));
      }
    }
    finish();
    if (kept) {
      const all = new Int16Array(kept.reduce((n, part) => n + part.length, 0));
      let at = 0;
      for (const part of kept) { all.set(part, at); at += part.length; }
      window.indexTTSStreamPCM = all;
    }
    mine.finished = true;
    window.indexTTSStreamDoneMs = performance.now() - clicked; // last audio byte received
    window.indexTTSStreamSeconds = seconds;
    status(labels.done.replace("{ms}", Math.round(window.indexTTSFirstSoundMs || 0)).replace("{s}", seconds.toFixed(2)));
  };
})();

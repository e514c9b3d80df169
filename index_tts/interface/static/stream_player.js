// Plays speech while it is being synthesized. The page's button has already turned every control
// into the same request the Synthesize button sends and prepared it on the server; this fetches
// its raw 24 kHz s16le PCM once (GET api/stream/<token>) and schedules each chunk with the Web
// Audio API as it arrives. Sound starts after the first short segment instead of after the whole
// text (and without the HLS delay of a streaming <audio> element).
(() => {
  const RATE = 24000;
  let current = null; // {controller, context}

  function status(text) {
    const el = document.getElementById("stream-status");
    if (el) el.textContent = text;
  }

  async function stop() {
    if (!current) return;
    current.controller.abort();
    try { await current.context.close(); } catch (e) { /* already closed */ }
    current = null;
  }

  window.indexTTSStop = stop;

  window.indexTTSPlay = async (token, labels) => {
    await stop();
    const clicked = window.indexTTSClickedAt || performance.now(); // set by the button, before the request went out
    window.indexTTSClickedAt = null;
    const controller = new AbortController();
    const context = new AudioContext({ sampleRate: RATE });
    current = { controller, context };
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
    const reader = response.body.getReader();
    let leftover = null;
    let next = 0;
    let seconds = 0;
    while (true) {
      let part;
      try { part = await reader.read(); } catch (e) { return; } // stopped
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
      const buffer = context.createBuffer(1, samples.length, RATE);
      const channel = buffer.getChannelData(0);
      for (let i = 0; i < samples.length; i++) channel[i] = samples[i] / 32768;
      const source = context.createBufferSource();
      source.buffer = buffer;
      source.connect(context.destination);
      const at = Math.max(context.currentTime + 0.02, next);
      source.start(at);
      next = at + buffer.duration;
      seconds += buffer.duration;
      if (window.indexTTSFirstSoundMs === null) {
        window.indexTTSFirstSoundMs = performance.now() - clicked + (at - context.currentTime) * 1000;
        status(labels.playing.replace("{ms}", Math.round(window.indexTTSFirstSoundMs)));
      }
    }
    if (kept) {
      const all = new Int16Array(kept.reduce((n, part) => n + part.length, 0));
      let at = 0;
      for (const part of kept) { all.set(part, at); at += part.length; }
      window.indexTTSStreamPCM = all;
    }
    window.indexTTSStreamDoneMs = performance.now() - clicked; // last audio byte received
    window.indexTTSStreamSeconds = seconds;
    status(labels.done.replace("{ms}", Math.round(window.indexTTSFirstSoundMs || 0)).replace("{s}", seconds.toFixed(2)));
  };
})();

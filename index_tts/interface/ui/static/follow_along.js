// Follow-along: while a result plays, the word being spoken lights up in the text under the player and is
// kept in view; clicking a word seeks there. The text (#follow-along .follow-text) is drawn by the server
// for the Synthesize button's result (data-source="file": the page's audio player is the clock) and here,
// from GET api/stream/<token>/timings, for the streamed one (data-source="stream": the stream player's clock).
(() => {
  const POLL_MS = 600;
  const HOLD_S = 0.3; // a word stays lit this long into the pause after it
  let box = null;
  let spans = [];
  let lit = -1;
  let polling = null;

  // The result player's media element. Gradio's waveform player keeps it where the page cannot look (a
  // shadow root), so it is noted when it starts to play: the last media element inside #output that did.
  let media = null;
  const play = HTMLMediaElement.prototype.play;
  HTMLMediaElement.prototype.play = function (...args) {
    if (insideOutput(this)) media = this;
    return play.apply(this, args);
  };

  function insideOutput(node) {
    for (let el = node; el; el = el.parentElement || (el.getRootNode() && el.getRootNode().host) || null) {
      if (el.id === "output") return true;
    }
    return false;
  }

  function fileAudio() {
    return media && media.isConnected && insideOutput(media) ? media : null;
  }

  // The words are found again whenever the text box changes (a new result drawn by Gradio or by draw()
  // below): an observer on the box alone, so the rest of the page's changes cost nothing here.
  let dirty = true;
  let watched = null;
  const watcher = new MutationObserver(() => { dirty = true; });

  function reindex() {
    const outer = document.getElementById("follow-along");
    if (outer !== watched) {
      watcher.disconnect();
      if (outer) watcher.observe(outer, { childList: true, subtree: true });
      watched = outer;
      dirty = true;
    }
    if (!dirty) return;
    dirty = false;
    const shown = document.querySelector("#follow-along .follow-text");
    const found = shown ? [...shown.querySelectorAll(".fa-w")] : [];
    if (shown === box && found.length === spans.length && found.every((span, i) => span === spans[i])) return;
    if (spans[lit]) spans[lit].classList.remove("fa-now");
    box = shown;
    spans = found;
    lit = -1;
  }

  function position() {
    if (!box) return null;
    if (box.dataset.source === "stream") return window.indexTTSStreamClock ? window.indexTTSStreamClock() : null;
    const audio = fileAudio();
    return audio && (!audio.paused || audio.currentTime > 0) ? audio.currentTime : null;
  }

  function wordAt(seconds) {
    let low = 0;
    let high = spans.length - 1;
    let found = -1;
    while (low <= high) { // the last word that has begun
      const middle = (low + high) >> 1;
      if (parseFloat(spans[middle].dataset.s) <= seconds) { found = middle; low = middle + 1; } else high = middle - 1;
    }
    if (found < 0 || seconds > parseFloat(spans[found].dataset.e) + HOLD_S) return -1;
    return found;
  }

  function light(index) {
    if (index === lit) return;
    if (spans[lit]) spans[lit].classList.remove("fa-now");
    lit = index;
    if (spans[index]) {
      spans[index].classList.add("fa-now");
      spans[index].scrollIntoView({ block: "nearest", inline: "nearest" });
    }
    window.indexTTSLitWord = spans[index] ? spans[index].textContent : null; // tests read what is lit
  }

  function tick() {
    reindex();
    const seconds = position();
    light(seconds === null ? -1 : wordAt(seconds));
    requestAnimationFrame(tick);
  }
  requestAnimationFrame(tick);

  document.addEventListener("click", (event) => {
    const word = event.target instanceof Element ? event.target.closest("#follow-along .fa-w") : null;
    if (!word || !box) return;
    const seconds = parseFloat(word.dataset.s);
    if (box.dataset.source === "stream") {
      if (window.indexTTSStreamSeek) window.indexTTSStreamSeek(seconds);
      return;
    }
    const audio = fileAudio();
    if (audio) {
      audio.currentTime = seconds;
      if (audio.paused) audio.play().catch(() => { /* the browser wants a gesture first: the position is set */ });
      return;
    }
    const button = document.querySelector("#output .play-pause-button"); // not played yet: start the player
    if (!button) return;
    button.click();
    setTimeout(() => { const started = fileAudio(); if (started) started.currentTime = seconds; }, 150);
  });

  function escape(text) {
    const el = document.createElement("span");
    el.textContent = text;
    return el.innerHTML.replace(/\n/g, "<br>");
  }

  // Draws into ``target`` (the text box when the stream started); false once the page has drawn another result there.
  function draw(target, pieces) {
    const shown = document.querySelector("#follow-along .follow-text");
    if (!shown || (target && shown !== target)) return false;
    shown.dataset.source = "stream";
    shown.innerHTML = pieces.map(([text, s, e]) => (s === null ? escape(text) : `<span class="fa-w" data-s="${s}" data-e="${e}">${escape(text)}</span>`)).join("");
    return true;
  }

  // A streamed result, all gone out, is a take like the Synthesize button's: its files under the text, and
  // a place in the history.
  function offerTake(target, take) {
    const file = `api/takes/${encodeURIComponent(take.name)}`;
    const links = document.createElement("div");
    links.className = "follow-downloads";
    links.innerHTML = `<a href="${file}.wav" download>${escape(take.name)}.wav</a> · <a href="${file}.srt" download>${escape(take.name)}.srt</a>`;
    target.after(links);
    if (window.indexTTSHistoryAdd) window.indexTTSHistoryAdd(take);
  }

  // Called by the stream player when a stream starts: the text follows it as far as it has been rendered.
  window.indexTTSFollowStream = (token) => {
    if (polling) clearTimeout(polling);
    for (const old of document.querySelectorAll("#follow-along .follow-downloads")) old.remove();
    draw(null, []);
    const target = document.querySelector("#follow-along .follow-text");
    const poll = async () => {
      polling = null;
      if (window.indexTTSStopped) return; // the visitor stopped it: nothing more will be rendered
      let body = null;
      try {
        const response = await fetch(`api/stream/${encodeURIComponent(token)}/timings`);
        if (response.status === 404) return; // unknown or too old: nothing more will come
        if (response.ok) body = await response.json();
      } catch (e) { /* the next poll tries again */ }
      if (body && !draw(target, body.pieces)) return;
      if (body && body.done) {
        if (body.take) offerTake(target, body.take);
        return;
      }
      polling = setTimeout(poll, POLL_MS);
    };
    polling = setTimeout(poll, POLL_MS);
  };
})();

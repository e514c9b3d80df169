// The history of takes: this visitor's last takes, kept in this browser (localStorage), drawn into
// #history. Each take is played and downloaded from the server by its name (GET api/takes/<name>.wav,
// .srt), which only this browser knows; "use these settings again" hands its settings to the page's
// hidden restore button (history.py); delete and clear all also delete the files on the server.
(() => {
  const STORE = "indexTTS.history.v1";
  let drawn = "";

  function load() {
    try {
      const list = JSON.parse(localStorage.getItem(STORE) || "[]");
      return Array.isArray(list) ? list.filter((take) => take && typeof take.name === "string") : [];
    } catch (e) {
      return [];
    }
  }

  function save(list) {
    localStorage.setItem(STORE, JSON.stringify(list));
    drawn = ""; // draw again
  }

  function box() {
    return document.querySelector("#history .history-box");
  }

  function language() {
    return window.indexTTSPageLang === "en" ? "en" : "zh";
  }

  function text(value) {
    const el = document.createElement("span");
    el.textContent = value;
    return el.innerHTML;
  }

  function when(made) {
    const date = new Date(made);
    const pad = (n) => String(n).padStart(2, "0");
    return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}`;
  }

  function draw() {
    const target = box();
    if (!target) return;
    const list = load();
    const lang = language();
    const signature = `${lang}:${list.map((take) => take.name).join(",")}`;
    if (signature === drawn && target.dataset.drawn === signature) return;
    const words = JSON.parse(target.dataset.labels || "{}")[lang] || {};
    const kept = parseInt(target.dataset.kept || "20", 10);
    const takes = list.slice(0, kept).map((take) => {
      const file = `api/takes/${encodeURIComponent(take.name)}`;
      const shown = take.text.length > 90 ? `${take.text.slice(0, 90)}…` : take.text;
      return `<div class="take" data-name="${text(take.name)}">
        <div class="take-meta">${when(take.made)} · ${text(take.voice || "")} · ${Number(take.seconds).toFixed(1)} s</div>
        <div class="take-text">${text(shown)}</div>
        <audio controls preload="none" src="${file}.wav"></audio>
        <div class="take-gone" hidden>${text(words.gone || "")}</div>
        <div class="take-actions">
          <a href="${file}.wav" download="${text(take.name)}.wav">${text(words.wav || "wav")}</a>
          <a href="${file}.srt" download="${text(take.name)}.srt">${text(words.srt || "srt")}</a>
          <button class="take-use">${text(words.use || "")}</button>
          <button class="take-delete">${text(words.delete || "")}</button>
        </div>
      </div>`;
    });
    const clear = list.length ? `<button class="history-clear">${text(words.clear || "")}</button>` : "";
    const empty = list.length ? "" : `<div class="history-empty">${text(words.empty || "")}</div>`;
    target.innerHTML = `<h4>${text(words.title || "")}</h4>${empty}${takes.join("")}${clear}`;
    for (const audio of target.querySelectorAll("audio")) {
      audio.addEventListener("error", () => { audio.hidden = true; audio.nextElementSibling.hidden = false; });
    }
    drawn = signature;
    target.dataset.drawn = signature;
  }

  function forget(names) {
    for (const name of names) fetch(`api/takes/${encodeURIComponent(name)}`, { method: "DELETE" }).catch(() => {});
    const gone = new Set(names);
    save(load().filter((take) => !gone.has(take.name)));
    draw();
  }

  // The take just made goes to the top (Synthesize's result, through history.ADD_JS).
  window.indexTTSHistoryAdd = (take) => {
    if (!take || !take.name) return;
    const kept = parseInt((box() && box().dataset.kept) || "20", 10);
    const list = [take, ...load().filter((old) => old.name !== take.name)];
    save(list.slice(0, kept));
    draw();
  };

  document.addEventListener("click", (event) => {
    const el = event.target instanceof Element ? event.target : null;
    if (!el || !el.closest("#history")) return;
    if (el.closest(".history-clear")) { forget(load().map((take) => take.name)); return; }
    const item = el.closest(".take");
    if (!item) return;
    const take = load().find((one) => one.name === item.dataset.name);
    if (!take) return;
    if (el.closest(".take-delete")) forget([take.name]);
    if (el.closest(".take-use")) {
      window.indexTTSHistoryPicked = JSON.stringify({ settings: take.settings, lang: language() });
      const button = document.querySelector("#history-apply");
      if (button) button.click();
    }
  });

  // drawn when the page (re)builds the box, and again when the page's language changes
  setInterval(draw, 300);
})();

// Gradio's own strings ("Drop Audio Here", "Use via API", ...) follow the browser's locale; the page's
// language switch must move them too. The choice is kept for the next visit on this machine (the
// server's boot script reads it before Gradio starts: boot_language.py). Gradio's frontend exports changeLocale from its core module;
// importing that module again by its URL gives the instance the page runs on (modules are loaded once
// per URL), so the switch takes effect at once, without a reload. __CORE_MODULE__ is the module's file
// name in this Gradio version, filled in by the server.
(() => {
  const CORE = "__CORE_MODULE__";
  const LOCALES = { zh: "zh-CN", en: "en" };

  function coreURL() {
    const entry = document.querySelector('script[type="module"][src*="/assets/index-"]');
    return new URL(CORE, entry ? entry.src : new URL("assets/", document.baseURI)).href;
  }

  // Gradio writes its queue status ("queue: 2/5 |", "processing |") in English whatever the locale; said
  // in the page's language here, rewriting only the text of that status (the element stays Gradio's).
  // Its time estimate ("2.6/40.3s", from the average of earlier requests, whatever their length) is
  // dropped: the elapsed time stays, and the status line under the result says the measured wait.
  const NO_ESTIMATE = [/^(\d+(?:\.\d+)?)\/\d+(?:\.\d+)?s$/, "$1s"];
  const QUEUE = {
    zh: [/^queue: (\d+)\/(\d+) \|$/, "排队：第 $1 位（共 $2 位） |", /^processing \|$/, "处理中 |", ...NO_ESTIMATE],
    en: NO_ESTIMATE,
  };
  function translateStatus(node) {
    const rules = QUEUE[window.indexTTSPageLang];
    if (!rules || node.nodeType !== Node.TEXT_NODE || !node.parentElement?.closest("[data-testid=status-tracker]")) return;
    const text = node.nodeValue.trim();
    for (let i = 0; i < rules.length; i += 2) {
      if (rules[i].test(text)) { node.nodeValue = text.replace(rules[i], rules[i + 1]); return; }
    }
  }
  new MutationObserver((changes) => {
    for (const change of changes) {
      if (change.type === "characterData") translateStatus(change.target);
      for (const added of change.addedNodes || []) {
        if (added.nodeType === Node.TEXT_NODE) translateStatus(added);
        else if (added.querySelectorAll) {
          const walker = document.createTreeWalker(added, NodeFilter.SHOW_TEXT);
          while (walker.nextNode()) translateStatus(walker.currentNode);
        }
      }
    }
  }).observe(document.documentElement, { subtree: true, childList: true, characterData: true });

  window.indexTTSSetLocale = async (lang) => {
    try { localStorage.setItem("__STORAGE_KEY__", lang); } catch (e) { /* private mode: this visit only */ }
    window.indexTTSPageLang = lang;
    if (!CORE) return;
    try {
      const core = await import(coreURL());
      await core.changeLocale(LOCALES[lang] || "zh-CN");
      window.indexTTSLocale = LOCALES[lang] || "zh-CN";
    } catch (error) {
      console.warn("IndexTTS: could not switch Gradio's language", error);
    }
  };
})();

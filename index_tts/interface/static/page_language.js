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

// The search page's snippets from the pages' text (_static/search_texts.js),
// so that searching works from disk and does not download whole chapters.
// Written by _ext/search_snippets.py; see its docstring.
(() => {
  const texts = window.BOOK_SEARCH_TEXTS || {};
  const root = document.documentElement.dataset.content_root || "";
  const suffix = (window.DOCUMENTATION_OPTIONS || {}).FILE_SUFFIX || ".html";
  const escape = (s) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/"/g, "&quot;");
  const pages = new Map();
  for (const [name, sections] of Object.entries(texts)) {
    const html = sections.map(([id, text]) =>
      `<section${id ? ` id="${escape(id)}"` : ""}>${escape(text)}</section>`).join("");
    pages.set(new URL(root + name + suffix, document.baseURI).href, `<div role="main">${html}</div>`);
  }
  const realFetch = window.fetch.bind(window);
  window.fetch = (resource, options) => {
    const url = typeof resource === "string" ? resource : resource.url;
    const page = pages.get(new URL(url, document.baseURI).href);
    if (page !== undefined) {
      return Promise.resolve(new Response(page, {headers: {"Content-Type": "text/html"}}));
    }
    return realFetch(resource, options);
  };
})();

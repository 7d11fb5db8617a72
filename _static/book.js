// The book's own page script (loaded on every page after the theme's).
//
// A box that scrolls sideways (a wide code cell, its output, a table, a figure kept wide enough to read on a phone, a long
// equation) must be reachable by keyboard, or a reader without a mouse cannot
// scroll it (WCAG 2.1.1; axe-core: scrollable-region-focusable). Every such box
// gets a tab stop and a name when it overflows, and loses them when it fits.
(() => {
  const SELECTOR = "pre, .pst-scrollable-table-container, div.math, .cell_output .output, .rnnfig-view, "
    + "span.math.book-wide-math";
  // Inline maths wider than its line (a long formula on a phone): the theme cuts
  // it off (span.math has overflow: hidden); book.css lets such a formula scroll.
  const widen = () => {
    document.querySelectorAll(".bd-article span.math").forEach((span) => {
      const formula = span.querySelector("mjx-math");
      if (!formula) return;
      span.classList.toggle("book-wide-math", formula.getBoundingClientRect().width > span.clientWidth + 1);
    });
  };
  // Which side of a scrolling box has more to show ("left", "right", "both"):
  // book.css fades that edge of a figure (whose picture hides any shadow).
  const more = (box) => {
    const hidden = box.scrollWidth - box.clientWidth;
    const left = box.scrollLeft > 1, right = box.scrollLeft < hidden - 1;
    const side = hidden > 1 && (left || right) ? (left && right ? "both" : left ? "left" : "right") : "";
    if (side) box.dataset.bookMore = side;
    else delete box.dataset.bookMore;
  };
  // Static figures scroll inside their link to the picture (book.css): only the
  // fading edge is marked, as a link already takes the keyboard focus.
  const FADE_ONLY = ".bd-article figure > a.image-reference";
  const mark = () => {
    widen();
    document.querySelectorAll(FADE_ONLY).forEach(more);
    document.querySelectorAll(SELECTOR).forEach((box) => {
      more(box);
      const scrolls = box.scrollWidth > box.clientWidth + 1;
      if (scrolls && !box.hasAttribute("tabindex")) {
        box.setAttribute("tabindex", "0");
        box.dataset.bookScrollStop = "1";
        if (!box.hasAttribute("aria-label") && !box.getAttribute("role")) {
          box.setAttribute("role", "region");
          box.setAttribute("aria-label", "scrollable content");
        }
      } else if (!scrolls && box.dataset.bookScrollStop) {
        box.removeAttribute("tabindex");
        delete box.dataset.bookScrollStop;
        if (box.getAttribute("aria-label") === "scrollable content") {
          box.removeAttribute("role");
          box.removeAttribute("aria-label");
        }
      }
    });
  };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", mark);
  else mark();
  window.addEventListener("load", () => {
    mark();
    const mathjax = window.MathJax;  // typesets after the page has loaded
    if (mathjax && mathjax.startup && mathjax.startup.promise) mathjax.startup.promise.then(mark);
  });
  let pending = null;
  window.addEventListener("resize", () => { clearTimeout(pending); pending = setTimeout(mark, 150); });
  document.addEventListener("scroll", (event) => {
    if (event.target instanceof Element && event.target.matches(`${SELECTOR}, ${FADE_ONLY}`)) more(event.target);
  }, { capture: true, passive: true });
})();

// Solutions (sphinx-exercise's `solution` directives: dropdown admonitions that
// sphinx-togglebutton folds, with a toggle button in the title). As the theme
// leaves them, only the button and the bare title text open a solution: a tap on
// the title's link ("Solution to Exercise 4.3 ...") jumps to the exercise instead
// and a tap on anything else in the title (maths, code) throws in
// togglebutton.js, and a link to a solution, or a page opened at its anchor,
// lands on a closed box. Here a click anywhere in the title (or Enter/Space on
// its button) opens or closes the solution; the title's link to the exercise,
// which sits just above, becomes plain text so the title is one target; the
// button is named after the solution; and a solution is opened when a link
// to it (or to something inside it) is followed or the page is loaded at it.
(() => {
  const FOLDED = ".admonition.toggle";
  const titleOf = (box) => box.querySelector(":scope > .admonition-title");
  const buttonOf = (box) => titleOf(box) && titleOf(box).querySelector(".toggle-button");
  const isClosed = (box) => box.classList.contains("toggle-hidden");

  const toggle = (box) => {
    const button = buttonOf(box);
    if (button && typeof window.toggleHidden === "function") window.toggleHidden(button);
  };

  // Open every folded box that holds the element (a solution inside a solution too).
  const reveal = (target) => {
    let opened = false;
    for (let box = target && target.closest(FOLDED); box; box = box.parentElement && box.parentElement.closest(FOLDED)) {
      if (isClosed(box)) { toggle(box); opened = true; }
    }
    return opened;
  };

  const targetOf = (hash) => {
    if (!hash || hash.length < 2) return null;
    let id = hash.slice(1);
    try { id = decodeURIComponent(id); } catch (error) { /* keep the raw id */ }
    return document.getElementById(id);
  };

  const openAt = (hash, scroll) => {
    const target = targetOf(hash);
    if (target && reveal(target) && scroll) target.scrollIntoView({ block: "start" });
  };

  const prepare = () => {
    document.querySelectorAll(FOLDED).forEach((box) => {
      const title = titleOf(box);
      const button = buttonOf(box);
      if (!title || !button || box.dataset.bookFolded) return;
      box.dataset.bookFolded = "1";
      title.querySelectorAll("a[href]").forEach((link) => {
        const text = document.createElement("span");
        text.className = "book-title-ref";
        while (link.firstChild) text.appendChild(link.firstChild);
        link.replaceWith(text);
      });
      const name = title.textContent.replace(/\s+/g, " ").trim();
      if (name) button.setAttribute("aria-label", name);
      button.setAttribute("aria-controls", box.id);
    });
    openAt(location.hash, true);
  };

  // Capture phase: runs before togglebutton's own handler on the title (which
  // finds no button for a click on a child element and throws).
  document.addEventListener("click", (event) => {
    if (event.button !== 0 || event.defaultPrevented) return;
    const title = event.target.closest && event.target.closest(`${FOLDED} > .admonition-title`);
    if (title) {
      event.preventDefault();
      event.stopPropagation();
      toggle(title.parentElement);
      return;
    }
    const link = event.target.closest && event.target.closest("a[href*='#']");
    if (link && link.origin === location.origin && link.pathname === location.pathname) {
      openAt(link.hash, false);  // the browser then scrolls to the now open target
    }
  }, true);
  window.addEventListener("hashchange", () => openAt(location.hash, true));

  // After togglebutton.js has folded the boxes (it runs on DOMContentLoaded, before us).
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", prepare);
  else prepare();
})();

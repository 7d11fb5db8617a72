// The book's own page script (loaded on every page after the theme's).
//
// A box that scrolls sideways (a wide code cell, its output, a table, a figure kept wide enough to read on a phone, a long
// equation) must be reachable by keyboard, or a reader without a mouse cannot
// scroll it (WCAG 2.1.1; axe-core: scrollable-region-focusable). Every such box
// gets a tab stop and a name when it overflows, and loses them when it fits.
(() => {
  const SELECTOR = "pre, .pst-scrollable-table-container, div.math, .cell_output .output, .rnnfig-view";
  const mark = () => {
    document.querySelectorAll(SELECTOR).forEach((box) => {
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
  window.addEventListener("load", mark);
  let pending = null;
  window.addEventListener("resize", () => { clearTimeout(pending); pending = setTimeout(mark, 150); });
})();

// A table, output or display equation wider than the text column scrolls sideways; say so under
// it while part of it is hidden (tools/sphinx/reading.py). The hint is text, so screen readers
// announce it too. (An equation is first scaled down by _static/fit-equations.js as it comes
// near the view; that script says "equations-fitted" when it has.)
(() => {
  const SELECTOR =
    ".bd-content .pst-scrollable-table-container, .bd-content div.cell_output .output.text_html, " +
    ".bd-content div.math > .katex-display";
  // an equation fit-equations.js has not fitted yet (far below) clips: no hint until it is fitted
  const unfitted = (box) =>
    box.classList.contains("katex-display") && !("fitted" in box.dataset) &&
    document.documentElement.classList.contains("fitting-equations");
  const update = () => {
    for (const box of document.querySelectorAll(SELECTOR)) {
      // under the equation's block, not inside it (its number sits beside the equation)
      const block = box.closest("div.math") || box;
      let hint = block.nextElementSibling;
      if (!hint || !hint.classList.contains("scroll-hint")) {
        hint = document.createElement("p");
        hint.className = "scroll-hint";
        hint.textContent = "Wider than the page: scroll sideways →";
        block.after(hint);
      }
      hint.hidden = unfitted(box) || box.scrollWidth <= box.clientWidth + 1;
    }
  };
  window.addEventListener("load", update);
  window.addEventListener("resize", update);
  document.addEventListener("equations-fitted", update);
})();

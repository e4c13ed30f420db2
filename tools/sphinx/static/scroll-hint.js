// A table, output or display equation wider than the text column scrolls sideways; say so under
// it while part of it is hidden (tools/sphinx/reading.py). The hint is text, so screen readers
// announce it too. (An equation is first scaled down by _static/fit-equations.js as it comes
// near the view; that script says "equations-fitted" when it has.)
//
// All hints are added first, then every box is measured, then the hints are shown or hidden: a
// measurement after each change made the browser lay the whole page out once per box (dozens of
// times on a chapter with many equations: on a slow phone, the longest task of opening it).
(() => {
  const SELECTOR =
    ".bd-content .pst-scrollable-table-container, .bd-content div.cell_output .output.text_html, " +
    ".bd-content div.math > .katex-display";
  // an equation fit-equations.js has not fitted yet (far below) clips: no hint until it is fitted
  const unfitted = (box) =>
    box.classList.contains("katex-display") && !("fitted" in box.dataset) &&
    document.documentElement.classList.contains("fitting-equations");
  const hintFor = (box) => {
    // under the equation's block, not inside it (its number sits beside the equation)
    const block = box.closest("div.math") || box;
    let hint = block.nextElementSibling;
    if (!hint || !hint.classList.contains("scroll-hint")) {
      hint = document.createElement("p");
      hint.className = "scroll-hint";
      hint.textContent = "Wider than the page: scroll sideways →";
      hint.hidden = true;
      block.after(hint);
    }
    return hint;
  };
  const update = () => {
    const boxes = Array.from(document.querySelectorAll(SELECTOR));
    const hints = boxes.map(hintFor); // changes only
    const wide = boxes.map((box) => !unfitted(box) && box.scrollWidth > box.clientWidth + 1); // reads only
    hints.forEach((hint, i) => {
      if (hint.hidden === wide[i]) hint.hidden = !wide[i];
    });
  };
  window.addEventListener("load", update);
  window.addEventListener("resize", update);
  document.addEventListener("equations-fitted", update);
})();

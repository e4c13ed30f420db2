// A table or output wider than the text column scrolls sideways; say so under it while part of
// it is hidden (tools/sphinx/reading.py). The hint is text, so screen readers announce it too.
(() => {
  const SELECTOR = ".bd-content .pst-scrollable-table-container, .bd-content div.cell_output .output.text_html";
  const update = () => {
    for (const box of document.querySelectorAll(SELECTOR)) {
      let hint = box.nextElementSibling;
      if (!hint || !hint.classList.contains("scroll-hint")) {
        hint = document.createElement("p");
        hint.className = "scroll-hint";
        hint.textContent = "Wider than the page: scroll sideways →";
        box.after(hint);
      }
      hint.hidden = box.scrollWidth <= box.clientWidth + 1;
    }
  };
  window.addEventListener("load", update);
  window.addEventListener("resize", update);
})();

// Loaded on every page by tools/sphinx/accessibility.py. KaTeX cannot break a display equation
// across lines, so one wider than the text column would need a sideways scroll bar: once the
// page and its fonts have loaded, such an equation is scaled down until it fits. Never below
// 60 %: narrower still, it scrolls (accessibility.css), and takes the keyboard focus so that a
// keyboard reader can scroll it too (static/scroll-hint.js says it scrolls).
(function () {
  const MIN_SCALE = 0.6;

  // In three passes - reset every size, measure every equation, then resize -
  // so the browser lays the page out once, not once per equation (on a long
  // chapter that was seconds of a phone's main thread).
  function fitEquations() {
    const equations = Array.from(document.querySelectorAll(".katex-display"));
    equations.forEach((equation) => {
      equation.style.fontSize = "";
    });
    const ratios = equations.map((equation) => equation.clientWidth / equation.scrollWidth);
    const sizes = equations.map((equation, i) => {
      const ratio = ratios[i];
      return ratio < 1 ? parseFloat(getComputedStyle(equation).fontSize) * Math.max(ratio * 0.98, MIN_SCALE) : null;
    });
    equations.forEach((equation, i) => {
      if (sizes[i] !== null) equation.style.fontSize = `${sizes[i]}px`;
      // too wide even at MIN_SCALE: it still scrolls
      if (ratios[i] * 0.98 < MIN_SCALE) equation.setAttribute("tabindex", "0");
      else equation.removeAttribute("tabindex");
    });
  }

  window.addEventListener("load", () => {
    if (!document.querySelector(".katex-display")) return;
    fitEquations();
    window.addEventListener("resize", fitEquations);
  });
})();

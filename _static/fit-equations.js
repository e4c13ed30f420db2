// Loaded on every page by tools/sphinx/accessibility.py. KaTeX cannot break a display equation
// across lines, so one wider than the text column would need a sideways scroll bar (KaTeX's
// .katex-html scrolls, katex-math.css): once the page and its fonts have loaded, such an
// equation is scaled down until it fits (never below 60 %; narrower still, it scrolls).
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
    const sizes = equations.map((equation) => {
      // the part that scrolls when the equation is too wide (KaTeX's visual rendering)
      const box = equation.querySelector(".katex-html") || equation;
      const ratio = box.clientWidth / box.scrollWidth;
      return ratio < 1 ? parseFloat(getComputedStyle(equation).fontSize) * Math.max(ratio * 0.98, MIN_SCALE) : null;
    });
    equations.forEach((equation, i) => {
      if (sizes[i] !== null) equation.style.fontSize = `${sizes[i]}px`;
    });
  }

  window.addEventListener("load", () => {
    if (!document.querySelector(".katex-display")) return;
    fitEquations();
    window.addEventListener("resize", fitEquations);
  });
})();

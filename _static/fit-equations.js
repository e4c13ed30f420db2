// Loaded on every page by tools/sphinx/accessibility.py. MathJax 3 cannot break a display equation
// across lines, so one wider than the text column would need a sideways scroll bar: once MathJax
// has typeset the page, such an equation is scaled down until it fits (never below 60 %).
(function () {
  const MIN_SCALE = 0.6;

  // In three passes - reset every size, measure every equation, then resize -
  // so the browser lays the page out once, not once per equation (on a long
  // chapter that was seconds of a phone's main thread).
  function fitEquations() {
    const equations = Array.from(document.querySelectorAll('mjx-container[display="true"]'));
    equations.forEach((equation) => {
      // measure at MathJax's own size first (kept, because resizing calls this again)
      if (!("naturalSize" in equation.dataset)) equation.dataset.naturalSize = equation.style.fontSize;
      equation.style.fontSize = equation.dataset.naturalSize;
    });
    const sizes = equations.map((equation) => {
      const ratio = equation.clientWidth / equation.scrollWidth;
      return ratio < 1 ? parseFloat(getComputedStyle(equation).fontSize) * Math.max(ratio * 0.98, MIN_SCALE) : null;
    });
    equations.forEach((equation, i) => {
      if (sizes[i] !== null) equation.style.fontSize = `${sizes[i]}px`;
    });
  }

  window.addEventListener("load", () => {
    const typeset = window.MathJax && MathJax.startup && MathJax.startup.promise;
    if (typeset) {
      typeset.then(fitEquations);
      window.addEventListener("resize", fitEquations);
    }
  });
})();

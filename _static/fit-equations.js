// Loaded on every page by tools/sphinx/accessibility.py. MathJax 3 cannot break a display equation
// across lines, so one wider than the text column would need a sideways scroll bar: once MathJax
// has typeset the page, such an equation is scaled down until it fits (never below 60 %).
(function () {
  const MIN_SCALE = 0.6;

  function fitEquations() {
    document.querySelectorAll('mjx-container[display="true"]').forEach((equation) => {
      // measure at MathJax's own size first (kept, because resizing calls this again)
      if (!("naturalSize" in equation.dataset)) equation.dataset.naturalSize = equation.style.fontSize;
      equation.style.fontSize = equation.dataset.naturalSize;
      const ratio = equation.clientWidth / equation.scrollWidth;
      if (ratio < 1) {
        const natural = parseFloat(getComputedStyle(equation).fontSize);
        equation.style.fontSize = `${natural * Math.max(ratio * 0.98, MIN_SCALE)}px`;
      }
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

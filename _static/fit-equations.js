// Loaded on every page by tools/sphinx/accessibility.py. KaTeX cannot break a display equation
// across lines, so one wider than the text column would need a sideways scroll bar: such an
// equation is scaled down until it fits. Never below 60 %: narrower still, it scrolls
// (accessibility.css), and takes the keyboard focus so that a keyboard reader can scroll it too
// (static/scroll-hint.js says it scrolls).
//
// An equation is fitted when it comes near the view, not all of them when the page loads:
// measuring every equation of a long chapter at once made the browser lay out the whole page
// (on a phone, the longest task of opening chapter 04).
(function () {
  const MIN_SCALE = 0.6;
  const NEAR = "800px 0px"; // fitted well before it scrolls into view

  // In three passes - reset every size, measure every equation, then resize -
  // so the browser lays the page out once per batch, not once per equation.
  function fit(equations) {
    equations.forEach((equation) => {
      equation.style.fontSize = "";
    });
    const ratios = equations.map((equation) => equation.clientWidth / equation.scrollWidth);
    const sizes = equations.map((equation, i) => {
      const ratio = ratios[i];
      return ratio < 1 ? parseFloat(getComputedStyle(equation).fontSize) * Math.max(ratio * 0.98, MIN_SCALE) : null;
    });
    equations.forEach((equation, i) => {
      equation.dataset.fitted = "";
      if (sizes[i] !== null) equation.style.fontSize = `${sizes[i]}px`;
      // too wide even at MIN_SCALE: it still scrolls
      if (ratios[i] * 0.98 < MIN_SCALE) equation.setAttribute("tabindex", "0");
      else equation.removeAttribute("tabindex");
    });
    document.dispatchEvent(new Event("equations-fitted")); // static/scroll-hint.js
  }

  window.addEventListener("load", () => {
    const equations = Array.from(document.querySelectorAll(".katex-display"));
    if (!equations.length) return;
    if (!window.IntersectionObserver) {
      fit(equations);
      window.addEventListener("resize", () => fit(equations));
      return;
    }
    document.documentElement.classList.add("fitting-equations"); // accessibility.css
    const near = new IntersectionObserver((entries) => {
      const coming = entries.filter((entry) => entry.isIntersecting).map((entry) => entry.target);
      coming.forEach((equation) => near.unobserve(equation));
      if (!coming.length) return;
      // measuring lays them out, which asks for the KaTeX fonts they use: once those
      // have arrived (the first time, a fallback font was measured), measure again
      fit(coming);
      document.fonts.ready.then(() => fit(coming));
    }, {rootMargin: NEAR});
    const watch = () => equations.forEach((equation) => near.observe(equation));
    watch();
    // another width: each equation is fitted again as it comes near
    let width = window.innerWidth;
    window.addEventListener("resize", () => {
      if (window.innerWidth === width) return;
      width = window.innerWidth;
      near.disconnect();
      watch();
    });
  });
})();

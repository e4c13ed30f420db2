/* The chapters' trained VAE and CVAE, run in the reader's page.
 *
 * A widget is a <div class="cvae-live" data-kind="explorer|draw" data-model="NAME"> written by
 * cvae_utils.plots.explorer; its static fallback figure stays until this script takes over.
 * The model (exported by cvae_utils.web.export_web_model into _static/models/NAME/) is fetched
 * on the reader's first pointer or focus in the widget, not with the page.
 * The forward pass: Dense layers with int8 kernels times one float32 scale per unit, ReLU in
 * the hidden layers, sigmoid on the decoder's logits.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  var BASE = new URL("models/", script ? script.src : document.baseURI).href;
  var models = {};

  function fetchOk(url, kind) {
    return fetch(url).then(function (r) {
      if (!r.ok) throw new Error(url + ": HTTP " + r.status);
      return kind === "json" ? r.json() : r.arrayBuffer();
    });
  }

  function network(raw, entry) {
    return entry.layers.map(function (l) {
      return {
        inputs: l.inputs, units: l.units, relu: l.activation === "relu", head: l.head,
        bias: new Float32Array(raw, l.bias, l.units),
        scale: new Float32Array(raw, l.scale, l.units),
        kernel: new Int8Array(raw, l.kernel, l.inputs * l.units)
      };
    });
  }

  function dense(layer, x) {
    var n = layer.units, acc = new Float64Array(n), k = layer.kernel, out = new Float32Array(n);
    for (var i = 0; i < layer.inputs; i++) {
      var v = x[i];
      if (v === 0) continue;
      var row = i * n;
      for (var j = 0; j < n; j++) acc[j] += v * k[row + j];
    }
    for (j = 0; j < n; j++) {
      var y = acc[j] * layer.scale[j] + layer.bias[j];
      out[j] = layer.relu && y < 0 ? 0 : y;
    }
    return out;
  }

  /* the chain of hidden layers, then every head on the last hidden output */
  function forward(layers, x) {
    var h = x, outputs = [];
    layers.forEach(function (layer) {
      if (layer.head) outputs.push(dense(layer, h)); else h = dense(layer, h);
    });
    return outputs;
  }

  function withLabel(x, label, classes) {
    if (!classes) return x;
    var v = new Float32Array(x.length + classes);
    v.set(x);
    v[x.length + label] = 1;
    return v;
  }

  function load(name) {
    if (!models[name]) {
      var url = BASE + encodeURIComponent(name) + "/";
      models[name] = fetchOk(url + "manifest.json", "json").then(function (m) {
        return Promise.all(["encoder", "decoder"].map(function (role) {
          return fetchOk(url + m.networks[role].file, "bin").then(function (raw) {
            return network(raw, m.networks[role]);
          });
        })).then(function (nets) {
          var classes = m.num_classes || 0;
          return {
            manifest: m, classes: classes, latent: m.latent_dim,
            decode: function (z, label) {
              var logits = forward(nets[1], withLabel(z, label, classes))[0];
              return logits.map(function (t) { return 1 / (1 + Math.exp(-t)); });
            },
            encode: function (pixels, label) {
              var out = forward(nets[0], withLabel(pixels, label, classes));
              return {mean: out[0], logVar: out[1]};
            }
          };
        });
      });
    }
    return models[name];
  }

  /* the API the browser tests call */
  window.cvaeLive = {
    load: load,
    decode: function (name, z, label) {
      return load(name).then(function (m) { return Array.from(m.decode(Float32Array.from(z), label || 0)); });
    },
    encode: function (name, pixels, label) {
      return load(name).then(function (m) {
        var r = m.encode(Float32Array.from(pixels), label || 0);
        return {mean: Array.from(r.mean), logVar: Array.from(r.logVar)};
      });
    }
  };

  // -- drawing helpers -------------------------------------------------------------------
  function el(tag, attrs, parent) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") e.textContent = attrs[k]; else e.setAttribute(k, attrs[k]);
    });
    if (parent) parent.appendChild(e);
    return e;
  }

  function showDigit(canvas, probs) {
    var ctx = canvas.getContext("2d"), img = ctx.createImageData(28, 28);
    for (var i = 0; i < 784; i++) {
      var g = Math.round(255 * (1 - Math.min(1, Math.max(0, probs[i]))));
      img.data[4 * i] = img.data[4 * i + 1] = img.data[4 * i + 2] = g;
      img.data[4 * i + 3] = 255;
    }
    ctx.putImageData(img, 0, 0);
  }

  function digitCanvas(parent, label) {
    var c = el("canvas", {width: 28, height: 28, role: "img", "aria-label": label,
                          "class": "cvae-live-digit"}, parent);
    showDigit(c, new Float32Array(784));
    return c;
  }

  /* the latent plane: scatter of codes (a CVAE's selected label in colour), class names at
     the class centres, axes; returns the pixel position of a code */
  function Plane(canvas, data) {
    var W = canvas.width, H = canvas.height, e = data.extent, ctx = canvas.getContext("2d");
    function px(z) { return [(z[0] + e) / (2 * e) * W, (e - z[1]) / (2 * e) * H]; }
    function draw(label) {
      ctx.fillStyle = "#fff"; ctx.fillRect(0, 0, W, H);
      var codes = data.codes || [], labels = data.codeLabels;
      for (var pass = 0; pass < 2; pass++) {
        for (var k = 0; k < codes.length; k++) {
          var c = labels ? labels[k] : -1, mine = !data.conditional || c === label;
          if (mine !== (pass === 1)) continue;
          ctx.fillStyle = c < 0 ? "#777" : (mine ? data.palette[c % data.palette.length] : "#ddd");
          var p = px(codes[k]);
          ctx.fillRect(p[0] - 1.5, p[1] - 1.5, 3, 3);
        }
      }
      ctx.strokeStyle = "rgba(0,0,0,0.3)"; ctx.lineWidth = 1; ctx.beginPath();
      ctx.moveTo(W / 2, 0); ctx.lineTo(W / 2, H); ctx.moveTo(0, H / 2); ctx.lineTo(W, H / 2); ctx.stroke();
      (data.centres || []).forEach(function (centre, c) {
        if (!centre || (data.conditional && c !== label)) return;
        var p = px(centre), size = Math.round(15 * W / (canvas.clientWidth || W));  /* 15 px as shown */
        p = [clamp(p[0], size, W - size), clamp(p[1], size, H - size)];  /* inside the plane */
        ctx.font = "bold " + size + "px sans-serif"; ctx.textAlign = "center"; ctx.textBaseline = "middle";
        ctx.lineWidth = size / 4; ctx.strokeStyle = "#fff"; ctx.strokeText(data.names[c], p[0], p[1]);
        ctx.fillStyle = "#000"; ctx.fillText(data.names[c], p[0], p[1]);
      });
    }
    function marker(z) {
      var p = px(z);
      ctx.strokeStyle = "#c00"; ctx.lineWidth = 3;
      ctx.beginPath(); ctx.arc(p[0], p[1], 8, 0, 2 * Math.PI); ctx.stroke();
      ctx.beginPath(); ctx.moveTo(p[0] - 13, p[1]); ctx.lineTo(p[0] + 13, p[1]);
      ctx.moveTo(p[0], p[1] - 13); ctx.lineTo(p[0], p[1] + 13); ctx.stroke();
    }
    function ellipse(mean, logVar, k) {  /* k standard deviations of a diagonal Gaussian */
      var p = px(mean), sx = k * Math.exp(logVar[0] / 2) / (2 * e) * W, sy = k * Math.exp(logVar[1] / 2) / (2 * e) * H;
      ctx.strokeStyle = "#c00"; ctx.lineWidth = 2;
      ctx.beginPath(); ctx.ellipse(p[0], p[1], Math.min(sx, 4 * W), Math.min(sy, 4 * H), 0, 0, 2 * Math.PI); ctx.stroke();
    }
    return {draw: draw, marker: marker, ellipse: ellipse, toZ: function (fx, fy) {
      return [-e + 2 * e * fx, e - 2 * e * fy];
    }};
  }

  function labelMenu(parent, names, text, cls) {
    var wrap = el("label", {"class": "cvae-live-menu"}, parent);
    wrap.appendChild(document.createTextNode(text + " "));
    var select = el("select", {"class": cls}, wrap);
    names.forEach(function (n, i) { el("option", {value: i, text: n}, select); });
    return select;
  }

  function clamp(v, lo, hi) { return Math.max(lo, Math.min(hi, v)); }

  /* runs start() once, on the first pointer or focus inside root */
  function lazily(root, start) {
    var started = false;
    function go() {
      if (started) return;
      started = true;
      root.dataset.state = "loading";
      load(root.dataset.model).then(function (model) {
        root.dataset.state = "ready";
        start(model);
      }).catch(function (err) {
        root.dataset.state = "error";
        root.classList.remove("cvae-live-on");
        console.warn("live model " + root.dataset.model + ": " + err.message);
      });
    }
    ["pointerover", "pointerdown", "focusin", "touchstart"].forEach(function (type) {
      root.addEventListener(type, go, {passive: true});
    });
  }

  // -- the latent explorer -----------------------------------------------------------------
  function explorer(root, data) {
    var ui = root.querySelector(".cvae-live-ui");
    var controls = el("div", {"class": "cvae-live-controls"}, ui);
    var select = data.conditional ? labelMenu(controls, data.names, "Digit:", "cvae-live-label") : null;
    el("span", {"class": "cvae-live-hint", text: "Point or tap on the latent plane, or focus it and use the arrow keys."}, controls);
    var panels = el("div", {"class": "cvae-live-panels"}, ui);
    var left = el("div", {"class": "cvae-live-panel"}, panels);
    var canvas = el("canvas", {width: 480, height: 480, tabindex: 0, role: "img", "class": "cvae-live-plane",
                               "aria-label": "latent plane: " + data.planeText}, left);
    el("p", {"class": "cvae-live-caption", text: data.axisText}, left);
    var right = el("div", {"class": "cvae-live-panel"}, panels);
    var image = digitCanvas(right, "the digit decoded at the chosen point");
    var readout = el("p", {"class": "cvae-live-readout", "aria-live": "polite", text: "z = (0.00, 0.00)"}, right);
    var plane = Plane(canvas, data), z = [0, 0], model = null;
    function label() { return select ? parseInt(select.value, 10) : 0; }
    function show() {
      plane.draw(label()); plane.marker(z);
      readout.textContent = "z = (" + z[0].toFixed(2) + ", " + z[1].toFixed(2) + ")" +
        (select ? ", digit " + data.names[label()] : "");
      if (!model) return;
      var probs = model.decode(Float32Array.from(z), label());
      showDigit(image, probs);
      root.cvaeState = {z: z.slice(), label: label(), probs: Array.from(probs)};
    }
    function point(ev) {
      var r = canvas.getBoundingClientRect();
      z = plane.toZ(clamp((ev.clientX - r.left) / r.width, 0, 1), clamp((ev.clientY - r.top) / r.height, 0, 1));
      show();
    }
    canvas.addEventListener("pointermove", point);
    canvas.addEventListener("pointerdown", point);
    canvas.addEventListener("keydown", function (ev) {
      var step = {ArrowUp: [0, 1], ArrowDown: [0, -1], ArrowLeft: [-1, 0], ArrowRight: [1, 0]}[ev.key];
      if (!step) return;
      ev.preventDefault();
      var s = data.extent / 20;
      z = [clamp(z[0] + s * step[0], -data.extent, data.extent), clamp(z[1] + s * step[1], -data.extent, data.extent)];
      show();
    });
    if (select) select.addEventListener("change", show);
    show();
    lazily(root, function (m) { model = m; show(); });
  }

  // -- draw a digit ------------------------------------------------------------------------
  function drawer(root, data) {
    var ui = root.querySelector(".cvae-live-ui");
    var controls = el("div", {"class": "cvae-live-controls"}, ui);
    var select = data.conditional ? labelMenu(controls, data.names, "I draw a", "cvae-live-label") : null;
    var clear = el("button", {type: "button", "class": "cvae-live-clear", text: "Clear"}, controls);
    el("span", {"class": "cvae-live-hint", text: "Draw with the mouse, a finger or a pen; or focus the pad: " +
      "arrow keys move the pen, Space puts it down or lifts it."}, controls);
    var panels = el("div", {"class": "cvae-live-panels cvae-live-three"}, ui);
    var p1 = el("div", {"class": "cvae-live-panel"}, panels);
    var pad = el("canvas", {width: 280, height: 280, tabindex: 0, role: "img", "class": "cvae-live-pad",
                            "aria-label": "drawing pad, 28 by 28 pixels"}, p1);
    el("p", {"class": "cvae-live-caption", text: "your drawing"}, p1);
    var p2 = el("div", {"class": "cvae-live-panel"}, panels);
    var canvas = el("canvas", {width: 480, height: 480, role: "img", "class": "cvae-live-plane",
                               "aria-label": "latent plane with the encoder's Gaussian for the drawing"}, p2);
    var readout = el("p", {"class": "cvae-live-readout", "aria-live": "polite", text: "draw a digit"}, p2);
    var p3 = el("div", {"class": "cvae-live-panel"}, panels);
    var recon = digitCanvas(p3, "the decoder's reconstruction of the drawing");
    el("p", {"class": "cvae-live-caption", text: "reconstruction"}, p3);
    var all = [];
    if (data.conditional) {
      el("p", {"class": "cvae-live-caption", text: "the drawing's style as every digit:"}, ui);
      var row = el("div", {"class": "cvae-live-row"}, ui);
      data.names.forEach(function (n) {
        var cell = el("figure", {"class": "cvae-live-cell"}, row);
        all.push(digitCanvas(cell, "the style decoded as " + n));
        el("figcaption", {text: n}, cell);
      });
    }
    var pixels = new Float32Array(784), plane = Plane(canvas, data), model = null;
    var pen = [14, 14], penDown = false, last = null, pending = false, ctx = pad.getContext("2d");
    function label() { return select ? parseInt(select.value, 10) : 0; }
    function paint() {
      var img = ctx.createImageData(28, 28);
      for (var i = 0; i < 784; i++) {
        var g = Math.round(255 * (1 - pixels[i]));
        img.data[4 * i] = img.data[4 * i + 1] = img.data[4 * i + 2] = g; img.data[4 * i + 3] = 255;
      }
      var small = document.createElement("canvas"); small.width = small.height = 28;
      small.getContext("2d").putImageData(img, 0, 0);
      ctx.imageSmoothingEnabled = false;
      ctx.drawImage(small, 0, 0, pad.width, pad.height);
      ctx.strokeStyle = "rgba(0,0,200,0.25)"; ctx.lineWidth = 1;  /* MNIST's digits fill about 20 x 20 */
      ctx.strokeRect(4 * pad.width / 28, 4 * pad.height / 28, 20 * pad.width / 28, 20 * pad.height / 28);
      if (document.activeElement === pad) {
        ctx.strokeStyle = penDown ? "#c00" : "#06c"; ctx.lineWidth = 2;
        ctx.strokeRect(pen[0] * pad.width / 28 - 5, pen[1] * pad.height / 28 - 5, 10, 10);
      }
    }
    function update() {
      pending = false;
      paint();
      var ink = pixels.some(function (v) { return v > 0; });
      plane.draw(label());
      if (!model || !ink) {
        if (!ink) { readout.textContent = "draw a digit"; showDigit(recon, new Float32Array(784)); }
        return;
      }
      var q = model.encode(pixels, label()), lab = label();
      plane.ellipse(q.mean, q.logVar, 2); plane.ellipse(q.mean, q.logVar, 1); plane.marker(q.mean);
      var sd = [Math.exp(q.logVar[0] / 2), Math.exp(q.logVar[1] / 2)];
      readout.textContent = "mean (" + q.mean[0].toFixed(2) + ", " + q.mean[1].toFixed(2) + "), sd (" +
        sd[0].toFixed(2) + ", " + sd[1].toFixed(2) + ")";
      var probs = model.decode(q.mean, lab);
      showDigit(recon, probs);
      var others = all.map(function (c, k) { var p = model.decode(q.mean, k); showDigit(c, p); return Array.from(p); });
      root.cvaeState = {pixels: Array.from(pixels), label: lab, mean: Array.from(q.mean), logVar: Array.from(q.logVar),
                        probs: Array.from(probs), all: others};
    }
    function later() { if (!pending) { pending = true; requestAnimationFrame(update); } }
    function ink(a, b) {  /* a soft pen about 2.5 pixels wide along the segment a-b */
      var dx = b[0] - a[0], dy = b[1] - a[1], len2 = dx * dx + dy * dy;
      for (var r = 0; r < 28; r++) for (var c = 0; c < 28; c++) {
        var x = c + 0.5, y = r + 0.5, t = len2 ? clamp(((x - a[0]) * dx + (y - a[1]) * dy) / len2, 0, 1) : 0;
        var d = Math.hypot(x - a[0] - t * dx, y - a[1] - t * dy), v = clamp((1.6 - d) / 0.8, 0, 1);
        if (v > pixels[r * 28 + c]) pixels[r * 28 + c] = v;
      }
      later();
    }
    function at(ev) {
      var r = pad.getBoundingClientRect();
      return [clamp((ev.clientX - r.left) / r.width * 28, 0, 28), clamp((ev.clientY - r.top) / r.height * 28, 0, 28)];
    }
    pad.addEventListener("pointerdown", function (ev) {
      ev.preventDefault();
      if (pad.setPointerCapture) { try { pad.setPointerCapture(ev.pointerId); } catch (e) { /* synthetic */ } }
      last = at(ev); ink(last, last);
    });
    pad.addEventListener("pointermove", function (ev) {
      if (!last) return;
      var p = at(ev); ink(last, p); last = p;
    });
    ["pointerup", "pointercancel", "pointerleave"].forEach(function (t) {
      pad.addEventListener(t, function () { last = null; });
    });
    pad.addEventListener("keydown", function (ev) {
      var step = {ArrowUp: [0, -1], ArrowDown: [0, 1], ArrowLeft: [-1, 0], ArrowRight: [1, 0]}[ev.key];
      if (ev.key === " " || ev.key === "Enter") {
        ev.preventDefault(); penDown = !penDown;
        if (penDown) ink([pen[0] + 0.5, pen[1] + 0.5], [pen[0] + 0.5, pen[1] + 0.5]); else later();
        return;
      }
      if (!step) return;
      ev.preventDefault();
      var from = [pen[0] + 0.5, pen[1] + 0.5];
      pen = [clamp(pen[0] + step[0], 0, 27), clamp(pen[1] + step[1], 0, 27)];
      if (penDown) ink(from, [pen[0] + 0.5, pen[1] + 0.5]); else later();
    });
    pad.addEventListener("focus", later);
    pad.addEventListener("blur", later);
    clear.addEventListener("click", function () { pixels.fill(0); root.cvaeState = null; later(); });
    if (select) select.addEventListener("change", later);
    update();
    lazily(root, function (m) { model = m; update(); });
  }

  function setUp(root) {
    if (root.dataset.state) return;
    var source = root.querySelector("script.cvae-live-data");
    if (!source || !window.fetch || !window.Promise) return;
    var data = JSON.parse(source.textContent);
    root.dataset.state = "idle";
    root.classList.add("cvae-live-on");
    (root.dataset.kind === "draw" ? drawer : explorer)(root, data);
  }

  // A widget is built (its plane drawn, its controls made) only when it
  // comes near the viewport, so opening a page runs no long task for
  // widgets far below; at once where IntersectionObserver is missing.
  function start() {
    var roots = document.querySelectorAll(".cvae-live");
    if (!window.IntersectionObserver) {
      roots.forEach(setUp);
      return;
    }
    var observer = new IntersectionObserver(function (entries) {
      entries.forEach(function (entry) {
        if (!entry.isIntersecting) return;
        observer.unobserve(entry.target);
        setUp(entry.target);
      });
    }, {rootMargin: "300px 0px"});
    roots.forEach(function (root) { observer.observe(root); });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start); else start();
})();

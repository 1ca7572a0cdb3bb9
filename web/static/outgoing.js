// saraban — outgoing letters: place the visible signature on the page. The signer clicks or
// drags on the page image; the box is written into the form as x, y, w, h in PDF points (origin
// bottom left, as the signing service expects). Without JavaScript the form offers named
// positions and a page number instead.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  var place = document.getElementById("sign-place");
  if (!place) return;
  var img = document.getElementById("sign-page"), box = document.getElementById("sign-box");
  var pos = document.getElementById("sig_pos"), page = document.getElementById("sig_page");
  var fx = document.getElementById("sig_x"), fy = document.getElementById("sig_y");
  var fw = document.getElementById("sig_w"), fh = document.getElementById("sig_h");
  var pw = parseFloat(place.dataset.pageW) || 595, ph = parseFloat(place.dataset.pageH) || 842;
  var defW = parseFloat(fw.value) || 260, defH = parseFloat(fh.value) || 110;
  document.querySelectorAll(".og-js-only").forEach(function (e) { e.style.display = "block"; });

  function scale() { return img.clientWidth / pw; }
  function clamp(v, lo, hi) { return Math.max(lo, Math.min(hi, v)); }
  function rect() { return [parseFloat(fx.value), parseFloat(fy.value), parseFloat(fw.value), parseFloat(fh.value)]; }
  function set(r) {
    var w = clamp(r[2], 60, pw), h = clamp(r[3], 30, ph);
    var x = clamp(r[0], 0, pw - w), y = clamp(r[1], 0, ph - h);
    fx.value = x.toFixed(1); fy.value = y.toFixed(1); fw.value = w.toFixed(1); fh.value = h.toFixed(1);
    draw();
  }
  function draw() {
    var s = scale(), r = rect();
    if (!s) return;
    box.style.left = (r[0] * s) + "px";
    box.style.top = ((ph - r[1] - r[3]) * s) + "px";
    box.style.width = (r[2] * s) + "px";
    box.style.height = (r[3] * s) + "px";
    box.hidden = false;
  }
  function fromOption() {
    var o = pos.options[pos.selectedIndex];
    if (o && o.dataset.rect) set(o.dataset.rect.split(",").map(parseFloat));
  }
  pos.addEventListener("change", fromOption);
  page.addEventListener("change", function () {
    var n = parseInt(page.value, 10);
    if (n >= 1) img.src = place.dataset.src + n;
  });
  img.addEventListener("load", draw);
  window.addEventListener("resize", draw);

  // Click: a box of the default size centred on the point. Drag: the box dragged out.
  var start = null;
  function point(e) {
    var b = img.getBoundingClientRect(), s = scale();
    return { x: clamp(e.clientX - b.left, 0, b.width) / s, y: ph - clamp(e.clientY - b.top, 0, b.height) / s };
  }
  place.addEventListener("pointerdown", function (e) {
    e.preventDefault();
    start = point(e);
    place.setPointerCapture(e.pointerId);
  });
  place.addEventListener("pointermove", function (e) {
    if (!start) return;
    var p = point(e);
    if (Math.abs(p.x - start.x) > 10 || Math.abs(p.y - start.y) > 10) {
      set([Math.min(p.x, start.x), Math.min(p.y, start.y), Math.abs(p.x - start.x), Math.abs(p.y - start.y)]);
      pos.value = "custom";
    }
  });
  place.addEventListener("pointerup", function (e) {
    if (!start) return;
    var p = point(e);
    if (Math.abs(p.x - start.x) <= 10 && Math.abs(p.y - start.y) <= 10) {
      set([p.x - defW / 2, p.y - defH / 2, defW, defH]);
      pos.value = "custom";
    }
    start = null;
  });
  if (img.complete) draw();
});

// saraban: register a letter. Choosing (or dropping) a file uploads it at once; the stamp
// image on the result page is asked again while the worker draws it. Everything works
// without this file: the forms have buttons.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  var input = document.querySelector("input[data-autoupload]");
  if (input) {
    input.addEventListener("change", function () { if (input.files.length) input.form.requestSubmit(); });
    var zone = document.querySelector("[data-dropzone]");
    if (zone) {
      ["dragenter", "dragover"].forEach(function (n) {
        document.addEventListener(n, function (e) { e.preventDefault(); zone.classList.add("dropping"); });
      });
      document.addEventListener("dragleave", function (e) { if (!e.relatedTarget) zone.classList.remove("dropping"); });
      document.addEventListener("drop", function (e) {
        e.preventDefault();
        zone.classList.remove("dropping");
        if (e.dataTransfer && e.dataTransfer.files.length) { input.files = e.dataTransfer.files; input.form.requestSubmit(); }
      });
    }
  }
  var fig = document.querySelector("[data-stamp]");
  if (fig) {
    var img = fig.querySelector("img"), cap = fig.querySelector("figcaption"), tries = 0;
    img.addEventListener("load", function () { cap.textContent = ""; });
    img.addEventListener("error", function () {
      tries++;
      if (tries > 10) { cap.textContent = cap.dataset.late; img.hidden = true; return; }
      cap.textContent = cap.dataset.waiting;
      setTimeout(function () { img.src = fig.dataset.stamp + "?t=" + tries; }, 1500);
    });
  }
});

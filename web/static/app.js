// saraban: the little JavaScript the pages use. Everything works without it; it only saves
// clicks (auto-submitting selects, confirmations, keyboard shortcuts for clerks).
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("select[data-autosubmit]").forEach(function (s) {
    s.addEventListener("change", function () { s.form.submit(); });
  });
  document.querySelectorAll("[data-back]").forEach(function (a) {
    if (history.length > 1) a.addEventListener("click", function (e) { e.preventDefault(); history.back(); });
  });
  document.querySelectorAll("form[data-confirm]").forEach(function (f) {
    f.addEventListener("submit", function (e) { if (!confirm(f.dataset.confirm)) e.preventDefault(); });
  });
  // A form submitted once is not submitted twice by an impatient double click.
  document.querySelectorAll("form").forEach(function (f) {
    f.addEventListener("submit", function () {
      setTimeout(function () { f.querySelectorAll("button[type=submit],button:not([type])").forEach(function (b) { b.disabled = true; }); }, 0);
    });
  });
  // Ctrl+Enter submits the form being typed in (clerks entering many letters).
  document.addEventListener("keydown", function (e) {
    if ((e.ctrlKey || e.metaKey) && e.key === "Enter" && e.target.form) { e.preventDefault(); e.target.form.requestSubmit(); }
  });
});

// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";
  // "Copy the token": shown only where the Clipboard API exists; otherwise the text area is
  // there to select by hand.
  document.querySelectorAll("[data-copy-target]").forEach(function (button) {
    if (!navigator.clipboard) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      var source = document.getElementById(button.getAttribute("data-copy-target"));
      var status = button.parentElement.querySelector(".copy-status");
      navigator.clipboard.writeText(source.value).then(
        function () { if (status) status.textContent = "Copied."; },
        function () { source.select(); if (status) status.textContent = "Select the text and copy it."; }
      );
    });
  });
  // The error summary takes focus when the page loads (its autofocus attribute does this where
  // browsers honour it on any focusable element), and its links move focus to their field.
  var summary = document.querySelector("[data-autofocus]");
  if (summary && document.activeElement !== summary) summary.focus();
  document.querySelectorAll(".error-summary a[href^='#']").forEach(function (link) {
    link.addEventListener("click", function (event) {
      var field = document.getElementById(link.getAttribute("href").slice(1));
      if (!field) return;
      event.preventDefault();
      var details = field.closest("details");
      if (details) details.open = true;
      var label = document.querySelector("label[for='" + field.id + "']");
      (label || field).scrollIntoView({ block: "center" });
      field.focus({ preventScroll: true });
    });
  });
  // A second chance before small irreversible actions that have no confirmation page.
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) event.preventDefault();
    });
  });
})();

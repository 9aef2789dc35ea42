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
  // A second chance before small irreversible actions that have no confirmation page.
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) event.preventDefault();
    });
  });
})();

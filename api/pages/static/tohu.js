// tohu pages: small progressive enhancements. Every page works without this
// file; it adds a copy-link button and drag-and-drop on the verify form.
(function () {
  "use strict";
  document.documentElement.classList.add("has-js");

  // Copy link: the readonly input stays usable without JavaScript.
  document.querySelectorAll("[data-copy-target]").forEach(function (btn) {
    var input = document.getElementById(btn.getAttribute("data-copy-target"));
    var status = document.getElementById(btn.getAttribute("data-copy-status"));
    if (!input) { return; }
    btn.hidden = false;
    btn.addEventListener("click", function () {
      var done = function () {
        if (status) { status.textContent = btn.getAttribute("data-copied") || ""; }
      };
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(input.value).then(done, function () {
          input.select();
        });
      } else {
        input.select();
        try { document.execCommand("copy"); done(); } catch (e) { /* the text stays selected */ }
      }
    });
  });

  // Selecting the whole link on focus helps people copy it by hand.
  document.querySelectorAll("input[readonly]").forEach(function (input) {
    input.addEventListener("focus", function () { input.select(); });
  });

  // Drag and drop onto the verify form's drop zone fills the file input.
  document.querySelectorAll("[data-dropzone]").forEach(function (zone) {
    var input = zone.querySelector("input[type=file]");
    if (!input || typeof DataTransfer === "undefined") { return; }
    ["dragenter", "dragover"].forEach(function (ev) {
      zone.addEventListener(ev, function (e) { e.preventDefault(); zone.classList.add("is-over"); });
    });
    ["dragleave", "drop"].forEach(function (ev) {
      zone.addEventListener(ev, function () { zone.classList.remove("is-over"); });
    });
    zone.addEventListener("drop", function (e) {
      e.preventDefault();
      if (e.dataTransfer && e.dataTransfer.files.length > 0) {
        var dt = new DataTransfer();
        dt.items.add(e.dataTransfer.files[0]);
        input.files = dt.files;
        input.dispatchEvent(new Event("change", { bubbles: true }));
      }
    });
  });
})();

// The template editor's live preview (progressive enhancement: without this script the page
// works with its Check and Save buttons). As you type, the form is posted, with its CSRF token,
// to the console's preview API, and each locale's preview and the problem box are updated.
(function () {
  "use strict";
  var form = document.getElementById("template-form");
  if (!form || !window.fetch || !window.URLSearchParams) return;
  var url = form.getAttribute("data-preview-url");
  var status = document.getElementById("live-status");
  var problemBox = document.getElementById("live-problem");
  var timer;
  var sequence = 0;

  function show(preview) {
    var section = document.querySelector(
      '[data-preview-locale="' + preview.locale + '"]',
    );
    if (!section) return;
    var frame = section.querySelector("iframe");
    var subject = section.querySelector(".preview-subject");
    var error = section.querySelector(".preview-error");
    if (preview.error) {
      error.textContent = preview.error;
      error.hidden = false;
      return;
    }
    error.hidden = true;
    if (subject) subject.textContent = preview.subject;
    if (frame && frame.srcdoc !== preview.html) frame.srcdoc = preview.html;
  }

  function update() {
    var mine = ++sequence;
    var body = new URLSearchParams(new FormData(form));
    fetch(url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { accept: "application/json" },
    })
      .then(function (response) {
        return response.json();
      })
      .then(function (answer) {
        if (mine !== sequence || !answer.previews) return;
        answer.previews.forEach(show);
        var problem = answer.problem;
        problemBox.hidden = !problem;
        problemBox.textContent = problem ? problem.text : "";
        ["subject", "html", "text"].forEach(function (name) {
          var field = form.elements.namedItem(name);
          if (!field) return;
          if (problem && problem.part === name)
            field.setAttribute("aria-invalid", "true");
          else field.removeAttribute("aria-invalid");
        });
        if (status) status.hidden = false;
      })
      .catch(function () {
        /* The preview is a convenience: Check and Save still work. */
      });
  }

  form.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(update, 250);
  });
})();

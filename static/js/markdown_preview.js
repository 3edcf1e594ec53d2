// The lesson editor's live preview: the server renders and sanitises the Markdown exactly as
// it will on save, so the preview never shows anything a learner would not see.
// The admin loads form media in <head>, so wait for the form.
document.addEventListener("DOMContentLoaded", function () {
  "use strict";
  var preview = document.querySelector(".markdown-preview");
  var body = document.getElementById("id_body");
  if (!preview || !body) { return; }
  var token = document.querySelector("input[name=csrfmiddlewaretoken]").value;
  var timer = null;

  function refresh() {
    var data = new FormData();
    data.append("text", body.value);
    fetch(preview.dataset.previewUrl, {
      method: "POST", body: data, headers: { "X-CSRFToken": token }, credentials: "same-origin"
    }).then(function (response) {
      return response.ok ? response.text() : null;
    }).then(function (html) {
      if (html !== null) { preview.innerHTML = html; }
    }).catch(function () { /* keep the last preview; saving still works */ });
  }

  body.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(refresh, 400);
  });
});

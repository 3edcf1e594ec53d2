// Saves each answer the moment it is given, and shows the time left when there is a limit.
// Without this script the page still works: "Save answers" posts the whole form.
(function () {
  "use strict";
  var form = document.querySelector(".quiz-form");
  if (!form) { return; }
  var token = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  // The page provides the (translated) wording in data-msg-* attributes.
  var messages = form.dataset;

  // One save in flight per question: answers given while it travels are sent when it
  // returns, so the server always ends with the latest answer, never an older one.
  function save(fieldset) {
    if (fieldset.dataset.saving === "yes") {
      fieldset.dataset.pending = "yes";
      return;
    }
    fieldset.dataset.saving = "yes";
    fieldset.dataset.pending = "";
    var status = fieldset.querySelector(".save-status");
    // The answer's revision this page last saw: a stale page's save is refused (409).
    var revision = fieldset.querySelector(".answer-revision");
    var body = new FormData();
    body.append("revision", revision.value);
    fieldset.querySelectorAll("input:checked").forEach(function (input) {
      body.append("choice", input.value);
    });
    status.textContent = messages.msgSaving;
    fetch(fieldset.dataset.answerUrl, {
      method: "POST",
      body: body,
      headers: { "X-CSRFToken": token },
      credentials: "same-origin"
    }).then(function (response) {
      return response.json().then(function (data) {
        status.textContent = data.saved ? messages.msgSaved : (data.error || messages.msgFailed);
        if (data.saved) { revision.value = data.revision; }
        if (response.status === 409) { window.location.reload(); }
      });
    }).catch(function () {
      status.textContent = messages.msgFailed;
    }).then(function () {
      fieldset.dataset.saving = "";
      if (fieldset.dataset.pending === "yes") { save(fieldset); }
    });
  }

  form.querySelectorAll("fieldset.question").forEach(function (fieldset) {
    fieldset.addEventListener("change", function () { save(fieldset); });
  });

  var countdown = document.getElementById("countdown");
  if (!countdown) { return; }
  var deadline = Date.parse(countdown.dataset.deadline);
  // Trust the server's clock: correct for any difference with this device's clock.
  var skew = Date.parse(countdown.dataset.now) - Date.now();
  var shown = countdown.querySelector(".countdown-remaining");
  var announce = countdown.querySelector(".countdown-announce");
  var announceAt = [600, 300, 60, 30, 0];

  function tick() {
    var left = Math.max(0, Math.round((deadline - (Date.now() + skew)) / 1000));
    var minutes = Math.floor(left / 60);
    var seconds = left % 60;
    shown.textContent = countdown.dataset.msgLeft.replace("%s", minutes + ":" + (seconds < 10 ? "0" : "") + seconds);
    if (announceAt.length && left <= announceAt[0]) {
      var mark = announceAt.shift();
      while (announceAt.length && left <= announceAt[0]) { mark = announceAt.shift(); }
      announce.textContent = left === 0
        ? countdown.dataset.msgUp
        : (mark >= 60 ? countdown.dataset.msgMinutes.replace("%s", Math.round(mark / 60))
          : countdown.dataset.msgSeconds.replace("%s", mark));
    }
    if (left === 0) {
      countdown.classList.replace("alert-info", "alert-warning");
      window.setTimeout(function () { window.location.reload(); }, 65000);
      return;
    }
    window.setTimeout(tick, 1000);
  }
  tick();
}());

// Tells the portal that the learner opened this lesson (its "In progress" mark and the
// supervisor's "last opened"): a POST once the page has loaded, since reading a page must
// never write. Nothing is shown and nothing breaks if it fails; marking the lesson complete
// records the visit too.
(function () {
  "use strict";
  const section = document.querySelector("[data-opened-url]");
  const token = document.querySelector("input[name=csrfmiddlewaretoken]");
  if (!section || !token) {
    return;
  }
  fetch(section.dataset.openedUrl, {
    method: "POST",
    headers: { "X-CSRFToken": token.value },
    credentials: "same-origin",
    keepalive: true,
  }).catch(function () {});
})();

// Progressive enhancement only: every page works without this file.
// Move focus to the error summary so screen reader and keyboard users land on the errors.
document.addEventListener("DOMContentLoaded", function () {
  var summary = document.getElementById("error-summary");
  if (summary) { summary.focus(); }
});

// Progressive enhancement only: every page works without this file.
// Move focus to the error summary so screen reader and keyboard users land on the errors.
document.addEventListener("DOMContentLoaded", function () {
  var summary = document.getElementById("error-summary");
  if (summary) {
    summary.focus();
    summary.addEventListener("click", focusFirstControl);
  }
});

// A summary link to a group (a fieldset of radios or checkboxes, an address) moves focus to
// the group's first control, not just scrolls to it: keyboard users continue right there.
function focusFirstControl(event) {
  var link = event.target.closest("a[href^='#']");
  if (!link) { return; }
  var target = document.getElementById(decodeURIComponent(link.getAttribute("href").slice(1)));
  if (!target) { return; }
  var control = target.matches("input, select, textarea, button") ? target
    : target.querySelector("input:not([type=hidden]), select, textarea, button");
  if (!control) { return; }
  event.preventDefault();
  (target.querySelector("legend") || target).scrollIntoView({block: "start"});
  control.focus({preventScroll: true});
}

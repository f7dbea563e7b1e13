// Progressive enhancement only: every page works without this file.
// Move focus to the error summary so screen reader and keyboard users land on the errors.
document.addEventListener("DOMContentLoaded", function () {
  var summary = document.getElementById("error-summary");
  if (summary) {
    summary.focus();
    summary.addEventListener("click", focusFirstControl);
  }
  startRefresh(document.querySelector("[data-refresh]"));
});

// A block marked data-refresh="<url>" replaces itself with the server's fresh copy every
// data-refresh-seconds while it says so; the server drops the mark when nothing runs any more,
// which ends the polling (like htmx's hx-trigger="every 3s" with a stop condition).
function startRefresh(block) {
  if (!block || !window.fetch) { return; }
  var seconds = parseInt(block.getAttribute("data-refresh-seconds") || "3", 10);
  var rounds = 0;
  function tick() {
    rounds += 1;
    fetch(block.getAttribute("data-refresh"), {credentials: "same-origin", headers: {"X-Requested-With": "fetch"}})
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (!html) { return; }
        var holder = document.createElement("div");
        holder.innerHTML = html;
        var fresh = holder.querySelector("#" + block.id);
        if (!fresh) { return; }
        block.replaceWith(fresh);
        block = fresh;
        // At most ten minutes of polling: an automated step that takes longer waits for a reload.
        if (fresh.hasAttribute("data-refresh") && rounds < 200) { window.setTimeout(tick, seconds * 1000); }
      });
  }
  window.setTimeout(tick, seconds * 1000);
}

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

/* Shows a field only while its show_if condition is met (progressive enhancement: without
   JavaScript every field is visible and the server ignores the ones whose condition is not met). */
(function () {
  function currentValues(form, key) {
    var values = [];
    // data-field carries the definition key, so a form prefix does not matter.
    form.querySelectorAll('[data-field="' + key + '"]').forEach(function (input) {
      if ((input.type === "radio" || input.type === "checkbox") && !input.checked) return;
      values.push(input.value);
    });
    return values;
  }
  function update(form) {
    form.querySelectorAll("[data-show-if-field]").forEach(function (wrapper) {
      var key = wrapper.getAttribute("data-show-if-field");
      var controller = form.querySelector('[data-field="' + key + '"]');
      var controllerWrapper = controller && controller.closest(".form-field");
      var visible = currentValues(form, key).indexOf(wrapper.getAttribute("data-show-if-equals")) !== -1;
      if (controllerWrapper && controllerWrapper.hidden) visible = false;
      wrapper.hidden = !visible;
    });
  }
  document.querySelectorAll("form").forEach(function (form) {
    if (!form.querySelector("[data-show-if-field]")) return;
    form.addEventListener("change", function () { update(form); });
    update(form);
  });
})();

// Function-number forms: a field marked data-fn-show-when="<field>" data-fn-show-value="<value>"
// (functionnumbers.layouts.SHOW_WHEN) is shown only while that field has the value ("on": the
// checkbox is ticked). A hidden field is also disabled, so it is saved empty; a field with an
// error stays visible. Without JavaScript every field shows and the server rules still apply.
(function () {
  function controllerValue(form, name) {
    const inputs = Array.from(form.querySelectorAll("[name='" + name + "']"));
    if (!inputs.length) return null;
    const first = inputs[0];
    if (first.type === "checkbox") return first.checked ? "on" : "";
    if (first.type === "radio") {
      const checked = inputs.find((input) => input.checked);
      return checked ? checked.value : "";
    }
    return first.value;
  }

  function update(form) {
    form.querySelectorAll("[data-fn-show-when]").forEach(function (input) {
      const value = controllerValue(form, input.dataset.fnShowWhen);
      const show = value === null || value === input.dataset.fnShowValue || input.classList.contains("is-invalid");
      const wrapper = document.getElementById("div_" + input.id) || input.parentElement;
      wrapper.hidden = !show;
      input.disabled = !show;
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form").forEach(function (form) {
      if (!form.querySelector("[data-fn-show-when]")) return;
      form.addEventListener("change", function () { update(form); });
      update(form);
    });
  });
})();

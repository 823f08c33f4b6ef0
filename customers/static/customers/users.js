// Users list: "select all" header checkbox and the "N valgt(e) bruger(e)" menu header (USR-4).
document.addEventListener("DOMContentLoaded", function () {
  const all = document.getElementById("select-all");
  const header = document.getElementById("bulk-selected-count");
  const boxes = () => Array.from(document.querySelectorAll(".user-select"));
  function update() {
    const n = boxes().filter((b) => b.checked).length;
    if (header) {
      header.textContent = header.dataset.template.replace("__N__", n);
    }
    if (all) {
      all.checked = n > 0 && n === boxes().length;
      all.indeterminate = n > 0 && n < boxes().length;
    }
  }
  if (all) all.addEventListener("change", function () { boxes().forEach((b) => { b.checked = all.checked; }); update(); });
  boxes().forEach((b) => b.addEventListener("change", update));
  if (boxes().some((b) => b.checked)) update();
});

// Small progressive enhancements; every page works without them.
document.addEventListener("click", function (event) {
  const button = event.target.closest("[data-copy]");
  if (!button) return;
  const target = document.getElementById(button.dataset.copy);
  if (target && navigator.clipboard) {
    navigator.clipboard.writeText(target.value || target.textContent.trim());
    button.classList.add("btn-success");
    setTimeout(() => button.classList.remove("btn-success"), 1200);
  }
});
document.addEventListener("click", function (event) {
  const el = event.target.closest("[data-confirm]");
  if (el && !window.confirm(el.dataset.confirm)) event.preventDefault();
});
document.addEventListener("click", function (event) {
  if (event.target.closest("[data-print]")) window.print();
});
// "Udvid alle" (FN-6): open every branch of a call-flow tree.
document.addEventListener("click", function (event) {
  const button = event.target.closest("[data-expand-all]");
  if (!button) return;
  const tree = button.closest("[data-callflow]");
  if (tree) tree.querySelectorAll("details").forEach((details) => { details.open = true; });
});

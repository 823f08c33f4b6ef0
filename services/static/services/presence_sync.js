// SVC-19 page: drag a rule by its handle (≡) to reorder; focus after a server-side rearrangement.
// Without JavaScript the ▲/▼ buttons do the same (they re-render the rows on the server).
(function () {
  "use strict";

  function renumber(tbody) {
    var prefix = tbody.closest("table").dataset.prefix;
    var pattern = new RegExp("^(id_)?" + prefix + "-\\d+");
    tbody.querySelectorAll("tr.presence-row").forEach(function (row, index) {
      row.querySelectorAll("[name], [id], [value], [for], [aria-label]").forEach(function (el) {
        ["name", "id", "for"].forEach(function (attr) {
          var value = el.getAttribute(attr);
          if (value && pattern.test(value)) {
            el.setAttribute(attr, value.replace(pattern, function (m, id) { return (id || "") + prefix + "-" + index; }));
          }
        });
        if (el.tagName === "BUTTON" && pattern.test(el.value)) {
          el.value = el.value.replace(pattern, prefix + "-" + index);
        }
        // "Match, row 2", "Move row 2 up": the row number is the label's only number.
        ["aria-label", "title"].forEach(function (attr) {
          var label = el.getAttribute(attr);
          if (label && /\d+/.test(label)) { el.setAttribute(attr, label.replace(/\d+/, String(index + 1))); }
        });
      });
      var position = row.querySelector(".presence-position");
      if (position) { position.textContent = String(index + 1); }
    });
  }

  function announce(text) {
    var status = document.getElementById("presence-status");
    if (status) { status.textContent = text; }
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("presence-form");
    if (!form) { return; }
    var target = form.dataset.focus ? document.getElementById(form.dataset.focus) : form.querySelector("[aria-invalid=true]");
    if (target) { target.focus(); }
    var dragged = null;
    form.querySelectorAll("table.presence-rules tbody").forEach(function (tbody) {
      tbody.querySelectorAll(".presence-handle").forEach(function (handle) {
        var row = handle.closest("tr");
        handle.addEventListener("mousedown", function () { row.setAttribute("draggable", "true"); });
        row.addEventListener("dragstart", function (event) {
          dragged = row;
          event.dataTransfer.effectAllowed = "move";
          row.classList.add("opacity-50");
        });
        row.addEventListener("dragend", function () {
          row.classList.remove("opacity-50");
          row.removeAttribute("draggable");
          dragged = null;
          renumber(tbody);
          announce(form.dataset.movedText || "");
        });
      });
      tbody.addEventListener("dragover", function (event) {
        if (!dragged || dragged.parentNode !== tbody) { return; }
        event.preventDefault();
        var over = event.target.closest("tr.presence-row");
        if (!over || over === dragged) { return; }
        var box = over.getBoundingClientRect();
        tbody.insertBefore(dragged, event.clientY < box.top + box.height / 2 ? over : over.nextSibling);
      });
      tbody.addEventListener("drop", function (event) { event.preventDefault(); });
    });
  });
})();

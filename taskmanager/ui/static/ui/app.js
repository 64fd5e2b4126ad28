// Small enhancements on top of pages that work fully without JavaScript.
(function () {
  "use strict";

  function setUpBulkSelection() {
    var boxes = Array.prototype.slice.call(document.querySelectorAll("input[name=ids][form=bulk-form]"));
    var selectAll = document.querySelector("[data-select-all]");
    var counter = document.querySelector("[data-selected-count]");
    if (!boxes.length || !selectAll) {
      return;
    }
    selectAll.closest("label").hidden = false;

    function refresh() {
      var selected = boxes.filter(function (box) { return box.checked; }).length;
      selectAll.checked = selected === boxes.length;
      selectAll.indeterminate = selected > 0 && selected < boxes.length;
      if (counter) {
        counter.textContent = selected ? selected + " selected" : "";
      }
      boxes.forEach(function (box) {
        box.closest("[data-task]").classList.toggle("task--selected", box.checked);
      });
    }

    selectAll.addEventListener("change", function () {
      boxes.forEach(function (box) { box.checked = selectAll.checked; });
      refresh();
    });
    boxes.forEach(function (box) { box.addEventListener("change", refresh); });
    refresh();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUpBulkSelection);
  } else {
    setUpBulkSelection();
  }
})();

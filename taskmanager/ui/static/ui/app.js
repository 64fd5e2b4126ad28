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

  // The task form's assignees are the chosen project's members. Without JavaScript the
  // "Show its members" button re-renders the form for the chosen project; with it, choosing
  // a project presses that button, so the list follows the choice and nothing typed is lost.
  function setUpProjectPicker() {
    var field = document.querySelector("[data-project-field]");
    var button = field && field.querySelector("[data-refresh-members]");
    var select = field && field.querySelector("select");
    if (!button || !select || !select.form) {
      return;
    }
    button.hidden = true;
    var help = field.querySelector("[data-refresh-help]");
    if (help) {
      help.textContent = "Choosing another project reloads the form with its members; nothing is saved yet.";
    }
    select.addEventListener("change", function () {
      if (select.form.requestSubmit) {
        select.form.requestSubmit(button);
      } else {
        button.click();
      }
    });
  }

  function setUp() {
    setUpBulkSelection();
    setUpProjectPicker();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
})();

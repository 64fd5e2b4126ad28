// Until the user has chosen a time zone, offer the browser's: the server cannot know it.
(function () {
  "use strict";
  var form = document.querySelector("form[data-suggest-browser-zone]");
  if (!form) return;
  var select = form.querySelector("select[name=time_zone]");
  var zone;
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  } catch (error) {
    return;
  }
  if (!select || !zone) return;
  for (var i = 0; i < select.options.length; i += 1) {
    if (select.options[i].value === zone) {
      select.value = zone;
      var note = form.querySelector("[data-browser-zone-note]");
      if (note) note.hidden = false;
      return;
    }
  }
})();

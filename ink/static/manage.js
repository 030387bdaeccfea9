/* Manage area, progressive enhancement only: every page works without this file.
 * - Series form: shows only the repeat options that apply, and refreshes the summary and next
 *   dates live from POST /manage/series/preview (CSRF token sent in the X-CSRFToken header).
 */
(function () {
  "use strict";

  function fieldValue(form, name) {
    var inputs = form.querySelectorAll('[name="' + name + '"]');
    for (var i = 0; i < inputs.length; i++) {
      var input = inputs[i];
      if (input.type === "checkbox") { if (input.checked) { return input.value || "y"; } continue; }
      if (input.type === "radio") { if (input.checked) { return input.value; } continue; }
      return input.value;
    }
    return "";
  }

  // data-show-when="freq=weekly,monthly" or "is_all_day"; data-hide-when is the opposite.
  function matches(form, condition) {
    var parts = condition.split("=");
    var value = fieldValue(form, parts[0]);
    if (parts.length === 1) { return value !== ""; }
    return parts[1].split(",").indexOf(value) !== -1;
  }

  function updateVisibility(form) {
    form.querySelectorAll("[data-show-when]").forEach(function (el) {
      el.hidden = !matches(form, el.getAttribute("data-show-when"));
    });
    form.querySelectorAll("[data-hide-when]").forEach(function (el) {
      el.hidden = matches(form, el.getAttribute("data-hide-when"));
    });
    // A nested condition inside a hidden block stays hidden.
    form.querySelectorAll("[data-show-when] [data-show-when]").forEach(function (el) {
      if (el.parentElement.closest("[hidden]")) { el.hidden = true; }
    });
  }

  function renderPreview(form, data, ok) {
    var box = document.getElementById("preview");
    var summary = document.getElementById("preview-summary");
    var list = document.getElementById("preview-dates");
    if (!box || !summary || !list) { return; }
    box.classList.toggle("is-error", !ok);
    summary.textContent = ok ? data.summary : data.error;
    while (list.firstChild) { list.removeChild(list.firstChild); }
    (ok ? data.dates : []).forEach(function (text) {
      var li = document.createElement("li");
      li.textContent = text;
      list.appendChild(li);
    });
  }

  function requestPreview(form) {
    var url = form.getAttribute("data-preview-url");
    var tokenInput = form.querySelector('input[name="csrf_token"]');
    var headers = { "Accept": "application/json" };
    if (tokenInput) { headers["X-CSRFToken"] = tokenInput.value; }
    fetch(url, { method: "POST", body: new FormData(form), headers: headers, credentials: "same-origin" })
      .then(function (response) {
        return response.json().then(function (data) { return { ok: response.ok, data: data }; });
      })
      .then(function (result) {
        if (result.ok || result.data.error) { renderPreview(form, result.data, result.ok); }
      })
      .catch(function () { /* offline or server error: the Preview button still works */ });
  }

  function enhanceSeriesForm(form) {
    var timer = null;
    var scheduleNames = ["date", "start_time", "end_time", "is_all_day", "all_day_days", "freq", "interval",
                         "weekdays", "monthly_mode", "nth", "end", "until", "count"];
    function onChange(event) {
      updateVisibility(form);
      if (!event || scheduleNames.indexOf(event.target.name) === -1) { return; }
      window.clearTimeout(timer);
      timer = window.setTimeout(function () { requestPreview(form); }, 300);
    }
    form.addEventListener("input", onChange);
    form.addEventListener("change", onChange);
    updateVisibility(form);
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-preview-url]").forEach(enhanceSeriesForm);
    var summary = document.getElementById("error-summary");
    if (summary) { summary.focus(); }
  });
})();

/* Manage area, progressive enhancement only: every page works without this file.
 * - Series form: shows only the repeat options that apply, and refreshes the summary and next
 *   dates live from POST /manage/series/preview (CSRF token sent in the X-CSRFToken header).
 * - Long checkbox lists (fieldset[data-multi-select]) become a combobox: a filter input with a
 *   listbox of options (ARIA APG combobox pattern, multi-select) and the chosen items as removable
 *   chips. The checkboxes stay in the form, hidden, and remain its data: submission is unchanged.
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


  // --- searchable multi-select ------------------------------------------------------------------

  function fold(text) {
    // Case- and accent-insensitive matching ("bokmal" finds "Bokmål").
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_, key) { return values[key]; });
  }

  function makeElement(tag, className, attributes) {
    var el = document.createElement(tag);
    if (className) { el.className = className; }
    Object.keys(attributes || {}).forEach(function (name) { el.setAttribute(name, attributes[name]); });
    return el;
  }

  function enhanceMultiSelect(fieldset) {
    var list = fieldset.querySelector("ul.choices");
    var boxes = Array.prototype.slice.call(fieldset.querySelectorAll('input[type="checkbox"]'));
    if (!list || !boxes.length) { return; }
    var text = function (name) { return fieldset.getAttribute("data-text-" + name) || ""; };
    var base = fieldset.id;
    var legend = fieldset.querySelector("legend");
    var options = boxes.map(function (box) {
      var label = fieldset.querySelector('label[for="' + box.id + '"]');
      return { box: box, label: label ? label.textContent.trim() : box.value, key: "", el: null };
    });
    options.forEach(function (option) { option.key = fold(option.label); });

    var widget = makeElement("div", "ms");
    var chips = makeElement("ul", "ms-chips", { "aria-label": text("chosen") + ": " + legend.textContent.trim() });
    var hint = makeElement("p", "hint ms-hint", { id: base + "-ms-hint" });
    hint.textContent = text("filter");
    var input = makeElement("input", "ms-input", {
      type: "text", id: base + "-ms-input", role: "combobox", autocomplete: "off", spellcheck: "false",
      "aria-autocomplete": "list", "aria-expanded": "false", "aria-controls": base + "-ms-listbox",
      "aria-labelledby": legend.id, "aria-describedby": hint.id
    });
    var listbox = makeElement("ul", "ms-listbox", {
      id: base + "-ms-listbox", role: "listbox", "aria-multiselectable": "true", "aria-labelledby": legend.id
    });
    listbox.hidden = true;
    var status = makeElement("p", "visually-hidden", { "aria-live": "polite", "aria-atomic": "true" });
    var empty = makeElement("li", "ms-empty", { role: "presentation" });
    empty.textContent = text("no-matches");

    options.forEach(function (option, index) {
      var el = makeElement("li", "ms-option", { role: "option", id: base + "-ms-option-" + index });
      el.textContent = option.label;
      // Keep the focus in the input when an option is clicked.
      el.addEventListener("mousedown", function (event) { event.preventDefault(); });
      el.addEventListener("click", function () { setActive(option); toggle(option); });
      option.el = el;
      listbox.appendChild(el);
    });
    listbox.appendChild(empty);

    var active = null;

    function visible() {
      return options.filter(function (option) { return !option.el.hidden; });
    }

    function setActive(option) {
      if (active) { active.el.classList.remove("is-active"); }
      active = option;
      if (option) {
        option.el.classList.add("is-active");
        input.setAttribute("aria-activedescendant", option.el.id);
        option.el.scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function open() {
      listbox.hidden = false;
      input.setAttribute("aria-expanded", "true");
    }

    function close() {
      listbox.hidden = true;
      input.setAttribute("aria-expanded", "false");
      setActive(null);
    }

    function applyFilter() {
      var query = fold(input.value.trim());
      options.forEach(function (option) { option.el.hidden = query !== "" && option.key.indexOf(query) === -1; });
      var shown = visible();
      empty.hidden = shown.length > 0;
      if (active && active.el.hidden) { setActive(null); }
      if (query !== "") {
        status.textContent = shown.length ? fill(text(shown.length === 1 ? "match-one" : "match-other"), { n: shown.length })
                                          : text("no-matches");
      }
    }

    function renderChips() {
      while (chips.firstChild) { chips.removeChild(chips.firstChild); }
      options.forEach(function (option) {
        option.el.setAttribute("aria-selected", option.box.checked ? "true" : "false");
        if (!option.box.checked) { return; }
        var chip = makeElement("li", "ms-chip");
        var name = makeElement("span");
        name.textContent = option.label;
        var remove = makeElement("button", "ms-remove", { type: "button", "aria-label": fill(text("remove"), { name: option.label }) });
        remove.textContent = "×";
        remove.addEventListener("click", function () {
          toggle(option);
          input.focus();
        });
        chip.appendChild(name);
        chip.appendChild(remove);
        chips.appendChild(chip);
      });
      if (!chips.firstChild) {
        var none = makeElement("li", "ms-none");
        none.textContent = text("none-chosen");
        chips.appendChild(none);
      }
    }

    function toggle(option) {
      option.box.checked = !option.box.checked;
      // Other scripts (and the browser's form state) see the change as if the box was ticked.
      option.box.dispatchEvent(new Event("change", { bubbles: true }));
      status.textContent = fill(text(option.box.checked ? "added" : "removed"), { name: option.label });
    }

    function move(step) {
      var shown = visible();
      if (!shown.length) { return; }
      open();
      var index = active ? shown.indexOf(active) : -1;
      if (index === -1) { index = step > 0 ? 0 : shown.length - 1; }
      else { index = Math.min(shown.length - 1, Math.max(0, index + step)); }
      setActive(shown[index]);
    }

    // Typing filters; the arrow keys then move among the matches (list autocomplete, manual selection).
    input.addEventListener("input", function () { open(); setActive(null); applyFilter(); });
    input.addEventListener("keydown", function (event) {
      var shown = visible();
      switch (event.key) {
        case "ArrowDown":
          event.preventDefault();
          if (event.altKey) { open(); } else { move(1); }
          break;
        case "ArrowUp":
          event.preventDefault();
          if (event.altKey) { close(); } else { move(-1); }
          break;
        case "Home":
        case "End":
          if (!listbox.hidden && shown.length) {
            event.preventDefault();
            setActive(event.key === "Home" ? shown[0] : shown[shown.length - 1]);
          }
          break;
        case "Enter":
          if (!listbox.hidden && active) {
            event.preventDefault();  // choose, do not submit the form
            toggle(active);
          } else if (!listbox.hidden) {
            event.preventDefault();
          }
          break;
        case "Escape":
          if (!listbox.hidden) { event.preventDefault(); close(); }
          else if (input.value) { event.preventDefault(); input.value = ""; applyFilter(); }
          break;
        case "Backspace":
          if (input.value === "") {
            var chosen = options.filter(function (option) { return option.box.checked; });
            if (chosen.length) { toggle(chosen[chosen.length - 1]); }
          }
          break;
        default:
          break;
      }
    });
    input.addEventListener("blur", function () { close(); });
    input.addEventListener("click", function () { if (listbox.hidden) { open(); applyFilter(); } else { close(); } });
    // Ticked or unticked by any means (the chips, the options, a form reset): redraw the chips.
    boxes.forEach(function (box) { box.addEventListener("change", renderChips); });
    fieldset.closest("form").addEventListener("reset", function () { window.setTimeout(renderChips, 0); });

    widget.appendChild(chips);
    widget.appendChild(input);
    widget.appendChild(listbox);
    widget.appendChild(hint);
    widget.appendChild(status);
    list.hidden = true;  // the checkboxes stay in the form (hidden controls are still submitted)
    list.parentNode.insertBefore(widget, list);
    fieldset.classList.add("is-enhanced");
    renderChips();
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-preview-url]").forEach(enhanceSeriesForm);
    document.querySelectorAll("fieldset[data-multi-select]").forEach(enhanceMultiSelect);
    var summary = document.getElementById("error-summary");
    if (summary) { summary.focus(); }
  });
})();

// JXC: searchable selects (tom-select) on <select data-searchable>, also after htmx swaps.
(function () {
  function enhance(root) {
    root.querySelectorAll("select[data-searchable]:not(.tomselected)").forEach(function (el) {
      new TomSelect(el, { maxOptions: 200, allowEmptyOption: true });
    });
  }
  document.addEventListener("DOMContentLoaded", function () { enhance(document); });
  document.addEventListener("htmx:afterSwap", function (e) { enhance(e.target); });
  // Inline formsets: "add a row" clones the empty form and renumbers its prefix.
  document.addEventListener("click", function (e) {
    var btn = e.target.closest("[data-formset-add]");
    if (!btn) return;
    e.preventDefault();
    var prefix = btn.dataset.formsetAdd;
    var total = document.getElementById("id_" + prefix + "-TOTAL_FORMS");
    var tpl = document.getElementById(prefix + "-empty");
    var body = document.getElementById(prefix + "-rows");
    var html = tpl.innerHTML.replace(/__prefix__/g, total.value);
    body.insertAdjacentHTML("beforeend", html);
    total.value = parseInt(total.value, 10) + 1;
  });
})();

// Scanner field on document screens: a keyboard-wedge scanner types the code and Enter.
// A known code increments the quantity of the line with that item, or adds a line; an unknown
// code beeps and says so, without touching what was already counted. Focus returns to the field.
(function () {
  function beep() {
    try {
      var ctx = new (window.AudioContext || window.webkitAudioContext)();
      var osc = ctx.createOscillator();
      osc.frequency.value = 880; osc.connect(ctx.destination); osc.start(); osc.stop(ctx.currentTime + 0.2);
    } catch (e) { /* no audio: the message is enough */ }
  }
  function rows() { return Array.prototype.slice.call(document.querySelectorAll("#lines-rows .line-row")); }
  function setSelect(select, value) {
    if (select.tomselect) { select.tomselect.setValue(String(value)); } else { select.value = String(value); }
  }
  function addRow() {
    var total = document.getElementById("id_lines-TOTAL_FORMS");
    var html = document.getElementById("lines-empty").innerHTML.replace(/__prefix__/g, total.value);
    document.getElementById("lines-rows").insertAdjacentHTML("beforeend", html);
    total.value = parseInt(total.value, 10) + 1;
    var row = rows()[rows().length - 1];
    row.querySelectorAll("select[data-searchable]").forEach(function (el) { new TomSelect(el, {maxOptions: 200}); });
    return row;
  }
  function emptyRow() {
    return rows().find(function (r) { var s = r.querySelector("select.line-item"); return s && !s.value; });
  }
  document.addEventListener("keydown", function (e) {
    var field = e.target;
    if (field.id !== "scan-field" || e.key !== "Enter") return;
    e.preventDefault();
    var code = field.value.trim();
    field.value = "";
    if (!code) return;
    var message = document.getElementById("scan-message");
    fetch(field.dataset.lookupUrl + "?code=" + encodeURIComponent(code), {headers: {"Accept": "application/json"}})
      .then(function (r) { return r.json(); })
      .then(function (data) {
        if (!data.found) {
          message.className = "small mb-2 text-danger"; message.textContent = data.message; beep(); return;
        }
        var row = rows().find(function (r) {
          var item = r.querySelector("select.line-item"), unit = r.querySelector("select.line-unit");
          return item && item.value === String(data.item) && unit && unit.value === String(data.unit);
        });
        if (row) {
          var qty = row.querySelector("input.line-qty");
          qty.value = (parseFloat(qty.value || "0") + 1).toString();
        } else {
          row = emptyRow() || addRow();
          setSelect(row.querySelector("select.line-item"), data.item);
          setSelect(row.querySelector("select.line-unit"), data.unit);
          row.querySelector("input.line-qty").value = "1";
          var loc = row.querySelector("select.line-location"), prev = rows()[0].querySelector("select.line-location");
          if (loc && !loc.value && prev && prev.value) { loc.value = prev.value; }
        }
        row.classList.add("table-success");
        message.className = "small mb-2 text-success";
        message.textContent = data.label + " × " + row.querySelector("input.line-qty").value;
      })
      .catch(function () { message.className = "small mb-2 text-danger"; message.textContent = code; beep(); })
      .finally(function () { field.focus(); });
  });
  document.addEventListener("DOMContentLoaded", function () {
    var field = document.getElementById("scan-field");
    if (field) field.focus();
  });
})();

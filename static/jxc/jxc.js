// JXC: searchable selects (tom-select) on <select data-searchable>, also after htmx swaps.
(function () {
  function enhance(root) {
    root.querySelectorAll("select[data-searchable]:not(.tomselected)").forEach(function (el) {
      new TomSelect(el, { maxOptions: 200, allowEmptyOption: true });
    });
  }
  document.addEventListener("DOMContentLoaded", function () { enhance(document); });
  document.addEventListener("htmx:afterSwap", function (e) { enhance(e.target); });
  // htmx is loaded with defer (after this file runs): listen for its events, not its API.
  document.addEventListener("htmx:load", function (e) { enhance(e.target); });  // out-of-band rows too
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
    var row = body.lastElementChild;
    enhance(row);
    if (window.htmx) htmx.process(row);
  });
})();

// Scanner field on document screens: a keyboard-wedge scanner types the code and Enter.
// The code is captured at Enter (so the next scan can be typed at once) and posted by htmx with
// the whole form; the form queues its requests (hx-sync), so fast scans are neither lost nor
// reordered and each sees the lines the previous answer left. The server decides whether the
// scan adds one to a line or starts a line (FEFO on issues) and answers with rows, the row count
// and a message, all swapped out of band. An error beeps and marks the field; what was already
// entered is never touched; focus stays in the scan field.
(function () {
  function beep(frequency) {
    try {
      var ctx = new (window.AudioContext || window.webkitAudioContext)();
      var osc = ctx.createOscillator();
      osc.frequency.value = frequency; osc.connect(ctx.destination); osc.start(); osc.stop(ctx.currentTime + 0.25);
    } catch (e) { /* no audio: the message and the red field are enough */ }
    if (navigator.vibrate) navigator.vibrate(200);
  }
  function say(text, level) {
    var message = document.getElementById("scan-message");
    if (!message) return;
    message.className = "small mb-2 text-" + level;
    message.textContent = text;
  }
  document.addEventListener("keydown", function (e) {
    var field = e.target;
    if (!field.matches || !field.matches("[data-scan-field]") || e.key !== "Enter") return;
    e.preventDefault();  // never submits the document form
    var code = field.value.trim();
    field.value = "";
    if (code) htmx.trigger(field, "jxc:scan", {code: code});
  });
  // The message is the last piece of every answer: the rows are in when it arrives.
  document.addEventListener("htmx:load", function (e) {
    var el = e.target;
    if (el.id !== "scan-message" || !el.dataset.level) return;
    var level = el.dataset.level, field = document.getElementById("scan-field");
    document.querySelectorAll("#lines-rows .line-row.bg-success-subtle").forEach(function (row) {
      row.classList.remove("bg-success-subtle");
    });
    var touched = el.dataset.row && document.getElementById("line-" + el.dataset.row);
    if (touched && level !== "danger") touched.classList.add("bg-success-subtle");
    if (field) field.classList.toggle("is-invalid", level === "danger");
    if (level === "danger") beep(220); else if (level === "warning") beep(440);
    var focus = el.dataset.focus && document.getElementById(el.dataset.focus);
    if (focus) focus.focus();
  });
  function unreachable(e) {
    var field = document.getElementById("scan-field");
    if (!field || !field.closest("form").contains(e.target)) return;
    say(field.dataset.offlineMessage, "danger");
    field.classList.add("is-invalid");
    beep(220);
    field.focus();
  }
  document.addEventListener("htmx:sendError", unreachable);
  document.addEventListener("htmx:responseError", unreachable);
  document.addEventListener("DOMContentLoaded", function () {
    var field = document.getElementById("scan-field");
    if (field) field.focus();
  });
})();

// ---- Shared by the scanner screens (counting sheet, receiving) ------------------------------
// A short beep for a refused scan; and a scan form whose Enter (or button) captures the code and
// empties the field at once, so the scanner can type the next code while this one travels.
window.jxcBeep = function () {
  try {
    var ctx = new (window.AudioContext || window.webkitAudioContext)();
    var osc = ctx.createOscillator();
    osc.frequency.value = 440; osc.connect(ctx.destination); osc.start(); osc.stop(ctx.currentTime + 0.25);
  } catch (e) { /* no audio: the message is enough */ }
};
window.jxcScanForm = function (formId, fieldId, eventName) {
  document.addEventListener("submit", function (e) {
    if (e.target.id !== formId) return;
    e.preventDefault();
    var field = document.getElementById(fieldId);
    var code = field.value.trim();
    field.value = "";
    if (code) htmx.trigger(e.target, eventName, {code: code});
  });
};

// ---- Stocktake counting sheet (盘点) -------------------------------------------------------
// The scan form posts through htmx; after each answer the code field is emptied and focused
// again for the next Enter-terminated scan, and a wrong scan beeps. A batch typed for one scan
// is cleared after it was used.
(function () {
  var beep = window.jxcBeep;
  function focusScan() {  // never clears it: the next code may already be on its way in
    var field = document.getElementById("count-scan-field");
    if (field) field.focus();
  }
  // Enter (or the button) captures the code and empties the field at once, so the scanner can
  // type the next code while this one travels; the form queues its requests (hx-sync), so fast
  // scans are neither lost nor reordered.
  window.jxcScanForm("count-scan-form", "count-scan-field", "jxc:countscan");
  document.addEventListener("htmx:afterSwap", function (e) {
    if (!document.getElementById("count-scan-form")) return;
    if (e.target.id === "scan-panel" || (e.detail && e.detail.elt && e.detail.elt.id === "count-scan-form")) {
      if (document.querySelector("#scan-panel .scan-error")) {
        beep();
      } else {
        document.querySelectorAll("#count-scan-form input[name=batch_no], #count-scan-form input[name=expiry_date]")
          .forEach(function (el) { el.value = ""; });
      }
      focusScan();
    }
    var body = document.getElementById("count-lines-body");
    if (body && body.querySelector("tr.count-line")) {
      body.querySelectorAll("tr.no-lines").forEach(function (row) { row.remove(); });
    }
  });
  // Enter in a quantity field saves it (change) and goes back to the scanner.
  document.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && e.target.classList && e.target.classList.contains("count-qty")) {
      e.preventDefault();
      e.target.dispatchEvent(new Event("change", {bubbles: true}));
    }
  });
  document.addEventListener("htmx:responseError", function (e) {
    if (document.getElementById("count-scan-form")) { beep(); }
  });
})();
// ---- end of stocktake block ----------------------------------------------------------------

// ---- Receiving against a purchase order (收货) -----------------------------------------------
// As on the counting sheet: Enter captures the code and empties the field at once; the form
// queues its requests; a refused scan beeps and says why; the field keeps the focus.
(function () {
  var beep = window.jxcBeep;
  function focusScan() {
    var field = document.getElementById("receipt-scan-field");
    if (field) field.focus();
  }
  window.jxcScanForm("receipt-scan-form", "receipt-scan-field", "jxc:receiptscan");
  document.addEventListener("htmx:afterSwap", function (e) {
    if (!document.getElementById("receipt-scan-form")) return;
    if (e.target.id === "receipt-scan-panel") {
      if (document.querySelector("#receipt-scan-panel .scan-error")) beep();
      focusScan();
    }
  });
  // Posting waits for the line edits still on their way (a quantity typed, then "post" clicked
  // at once: the change saves first), so what the clerk saw is what is posted.
  var inflight = 0;
  document.addEventListener("htmx:beforeRequest", function () { inflight++; });
  document.addEventListener("htmx:afterRequest", function () { inflight = Math.max(0, inflight - 1); });
  document.addEventListener("submit", function (e) {
    if (!e.target.matches || !e.target.matches("form[data-after-saves]") || inflight === 0) return;
    e.preventDefault();
    var form = e.target;
    var wait = setInterval(function () {
      if (inflight === 0) { clearInterval(wait); form.submit(); }
    }, 50);
  });
  // A refused scan answers 422 with the message: show it (htmx does not swap errors by default).
  document.addEventListener("htmx:beforeSwap", function (e) {
    if (e.detail.xhr.status === 422 && document.getElementById("receipt-scan-form")) {
      e.detail.shouldSwap = true;
      e.detail.isError = false;
    }
  });
})();
// ---- end of receiving block ----------------------------------------------------------------

// ---- Shipping: the pick screen (发货拣货) -----------------------------------------------------
// As on receiving: Enter captures the code and empties the field at once; the form queues its
// requests; a refused scan (422) still shows its message, beeps, and the field keeps the focus.
// Posting waits for pick edits still on their way (form[data-after-saves], receiving block).
(function () {
  var beep = window.jxcBeep;
  window.jxcScanForm("ship-scan-form", "ship-scan-field", "jxc:shipscan");
  document.addEventListener("htmx:afterSwap", function (e) {
    if (!document.getElementById("ship-scan-form")) return;
    if (e.target.id === "ship-scan-panel") {
      if (document.querySelector("#ship-scan-panel .scan-error")) beep();
      var field = document.getElementById("ship-scan-field");
      if (field) field.focus();
    }
  });
  // Refused scans and pick edits answer 422 with the reason: swap it (the rows' errors too).
  document.addEventListener("htmx:beforeSwap", function (e) {
    if (e.detail.xhr.status === 422 && document.getElementById("ship-scan-form")) {
      e.detail.shouldSwap = true;
      e.detail.isError = false;
    }
  });
})();
// ---- end of shipping block -----------------------------------------------------------------

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

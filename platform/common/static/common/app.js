/* Small page behaviours, in one static file so the Content-Security-Policy needs no inline script.
   Every page works without it (the server checks everything); it only saves clicks. */
(function () {
  "use strict";

  function onReady(fn) {
    if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", fn); } else { fn(); }
  }

  // <form data-confirm="Question?">: ask before submitting.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) { event.preventDefault(); }
  }, true);

  // <select data-autosubmit>: submit its form on change.
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el.hasAttribute && el.hasAttribute("data-autosubmit") && el.form) { el.form.submit(); }
  });

  // <a data-print>: print the page.
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("[data-print]");
    if (link) { event.preventDefault(); window.print(); }
  });

  // <button data-copy="element-id">: copy that element's text (e.g. a long hash) to the clipboard.
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-copy]");
    if (!button) { return; }
    var source = document.getElementById(button.getAttribute("data-copy"));
    if (source && navigator.clipboard) { navigator.clipboard.writeText(source.textContent.trim()); }
  });

  function field(id) { var el = document.getElementById(id); return el ? el.closest(".field") : null; }
  function show(id, visible) { var f = field(id); if (f) { f.style.display = visible ? "" : "none"; } }
  function checked(id) { var el = document.getElementById(id); return !!(el && el.checked); }

  onReady(function () {
    // People: show only the scope fields the chosen role needs.
    var roleForm = document.getElementById("role-form");
    var scopesData = document.getElementById("role-scopes");
    if (roleForm && scopesData) {
      var scopes = JSON.parse(scopesData.textContent);
      var role = roleForm.querySelector("[name=role]");
      var syncRole = function () {
        var wanted = scopes[role.value] || "";
        roleForm.querySelectorAll("[data-field-scope]").forEach(function (f) {
          f.style.display = f.getAttribute("data-field-scope") === wanted ? "" : "none";
        });
      };
      role.addEventListener("change", syncRole);
      syncRole();
    }

    // Points entry: when the member or the date changes, reload the items that apply.
    var entryForm = document.getElementById("entry-form");
    if (entryForm && entryForm.getAttribute("data-rule-options-url")) {
      var url = entryForm.getAttribute("data-rule-options-url");
      var reload = function () {
        if (!window.htmx) { return; }
        var values = {member: entryForm.member.value, occurred_on: entryForm.occurred_on.value,
                      rule: entryForm.rule.value};
        window.htmx.ajax("GET", url + "?" + new URLSearchParams(values).toString(),
                         {target: "#id_rule", swap: "innerHTML"});
      };
      entryForm.member.addEventListener("change", reload);
      entryForm.occurred_on.addEventListener("change", reload);
      document.body.addEventListener("htmx:afterSwap", function (e) {
        if (e.detail.target.id === "id_member") { reload(); }
      });
    }

    // Member form: follow-up fields only when they apply.
    var memberForm = document.getElementById("member-form");
    if (memberForm) {
      var syncMember = function () {
        var kind = document.getElementById("id_kind");
        show("id_probation_ends_on", !!kind && kind.value === "probationary");
        show("id_migrant_location", checked("id_is_migrant"));
        show("id_special_occupation", checked("id_is_special_occupation"));
      };
      memberForm.addEventListener("change", syncMember);
      syncMember();
    }

    // Tips: name and contact only for a named report.
    var anonymous = document.getElementById("id_anonymous");
    if (anonymous && document.querySelector("[data-tip-form]")) {
      var syncTip = function () {
        ["id_reporter_name", "id_reporter_contact"].forEach(function (id) { show(id, !anonymous.checked); });
      };
      anonymous.addEventListener("change", syncTip);
      syncTip();
    }
  });
})();

// Enroll console: the confirmation step of status changes, the keyboard
// shortcuts and the copy button of a webhook secret. Written for the
// console, no dependencies; every page works without it (forms then post
// directly).
(function () {
  "use strict";

  var dialog = document.getElementById("decide");
  var reasonInput = document.getElementById("decide-reason");
  var pending = null; // the form and button waiting for confirmation

  // The queue's reason fields are for browsers without the script: with
  // it, the dialog asks for the reason (and fills the field in).
  if (dialog && typeof dialog.showModal === "function") {
    Array.prototype.forEach.call(document.querySelectorAll("[data-reason-field]"), function (el) { el.hidden = true; });
  }

  // typing reports whether keys go to a field rather than to shortcuts.
  function typing(el) {
    if (!el || !el.tagName) return false;
    var tag = el.tagName;
    return el.isContentEditable || tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT";
  }

  // confirmDecision opens the dialog for a status change button: it names
  // the action and the participant and asks for the reason.
  function confirmDecision(form, button) {
    if (!dialog || typeof dialog.showModal !== "function") {
      form.dataset.confirmed = "1";
      form.requestSubmit(button);
      return;
    }
    pending = { form: form, button: button };
    var label = button.dataset.label || button.textContent;
    var required = button.hasAttribute("data-reason-required");
    document.getElementById("decide-title").textContent = label + ": " + (form.dataset.name || "this enrollment");
    document.getElementById("decide-desc").textContent = required ?
      "A reason is required. It is recorded in the history." :
      "Add a reason if you like. It is recorded in the history.";
    document.getElementById("decide-need").textContent = required ? "(required)" : "(optional)";
    document.getElementById("decide-confirm").textContent = label;
    var field = form.elements.namedItem("reason");
    reasonInput.value = field ? field.value : "";
    reasonInput.required = required;
    dialog.returnValue = "";
    dialog.showModal();
    reasonInput.focus();
  }

  // Every status change form asks for confirmation first.
  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    if (!form.classList || !form.classList.contains("decide")) return;
    if (form.dataset.confirmed === "1") return;
    var button = ev.submitter;
    if (!button || button.name !== "to") return;
    ev.preventDefault();
    confirmDecision(form, button);
  });

  if (dialog) {
    dialog.addEventListener("close", function () {
      var p = pending;
      pending = null;
      if (!p || dialog.returnValue !== "confirm") return;
      var field = p.form.elements.namedItem("reason");
      if (field) field.value = reasonInput.value;
      p.form.dataset.confirmed = "1";
      p.form.requestSubmit(p.button);
    });
  }

  // A signing secret is shown once: its button copies it, and a click in
  // the field selects it whole. Without a script the hint says how.
  function legacyCopy() {
    try {
      return document.execCommand("copy");
    } catch (e) {
      return false;
    }
  }
  Array.prototype.forEach.call(document.querySelectorAll("button[data-copy]"), function (button) {
    var field = document.getElementById(button.dataset.copy);
    if (!field) return;
    var hint = document.querySelector("[data-copy-hint]");
    field.addEventListener("focus", function () { field.select(); });
    button.hidden = false;
    button.addEventListener("click", function () {
      field.focus();
      field.select();
      function done(ok) {
        button.textContent = ok ? "Copied" : "Copy";
        if (hint) hint.textContent = ok ? "Copied to the clipboard." : "The secret is selected: press Ctrl+C (⌘C) to copy it.";
      }
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(field.value).then(function () { done(true); }, function () { done(legacyCopy()); });
      } else {
        done(legacyCopy());
      }
    });
  });

  // Rows of a list or of the queue, moved through with j and k.
  var rows = Array.prototype.slice.call(document.querySelectorAll("[data-row]"));
  var list = document.querySelector("[data-rows]");
  var current = -1;

  function select(i, focus) {
    if (!rows.length) return;
    i = Math.max(0, Math.min(rows.length - 1, i));
    if (current >= 0) {
      rows[current].classList.remove("selected");
      rows[current].removeAttribute("aria-current");
    }
    current = i;
    rows[i].classList.add("selected");
    rows[i].setAttribute("aria-current", "true");
    if (focus) {
      rows[i].focus({ preventScroll: true });
      rows[i].scrollIntoView({ block: "nearest" });
    }
  }

  // A row is selected by a click and by the focus entering it (Tab to a
  // button or a link), so the shortcuts act on the row the person is on.
  rows.forEach(function (row, i) {
    row.addEventListener("click", function () { select(i, false); });
    row.addEventListener("focusin", function () { if (current !== i) select(i, false); });
  });
  if (list && list.hasAttribute("data-selected") && rows.length) {
    select(parseInt(list.getAttribute("data-selected"), 10) || 0, false);
  }

  function follow(selector) {
    var a = document.querySelector(selector);
    if (a) window.location.assign(a.href);
  }

  // A shortcut moves the focus into the dialog's reason field; the key's
  // own character must not be typed there.
  var swallow = "";
  document.addEventListener("keypress", function (ev) {
    if (swallow && ev.key === swallow) ev.preventDefault();
    swallow = "";
  }, true);
  document.addEventListener("keyup", function () { swallow = ""; }, true);

  document.addEventListener("keydown", function (ev) {
    if (ev.defaultPrevented || ev.ctrlKey || ev.metaKey || ev.altKey) return;
    if (dialog && dialog.open) return;
    if (typing(ev.target)) {
      if (ev.key === "Escape") ev.target.blur();
      return;
    }
    var k = ev.key;
    switch (k) {
      case "j":
        select(current + 1, true);
        break;
      case "k":
        select(current < 0 ? 0 : current - 1, true);
        break;
      case "Enter":
      case "o":
        // Enter on a link or a button keeps its own meaning.
        if (current < 0 || (k === "Enter" && ev.target.closest && ev.target.closest("a, button, summary"))) return;
        window.location.assign(rows[current].dataset.href);
        break;
      case "/":
        var q = document.getElementById("q");
        if (!q) return;
        q.focus();
        q.select();
        break;
      case "?":
        var help = document.querySelector("details.shortcuts");
        if (!help) return;
        help.open = !help.open;
        break;
      case "]":
        follow("a[rel=next]");
        break;
      case "[":
        follow("a[rel=prev]");
        break;
      default:
        if (!/^[arnpu]$/.test(k)) return;
        var scope = document;
        if (rows.length) {
          if (current < 0) select(0, true);
          scope = rows[current];
        }
        var button = scope.querySelector("form.decide button[data-shortcut='" + k + "']");
        if (!button) return;
        swallow = k;
        confirmDecision(button.form, button);
    }
    ev.preventDefault();
  });
})();

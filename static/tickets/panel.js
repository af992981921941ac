/* The calling panel on the desk and queue pages: a form marked data-once sends once (its buttons are disabled on
   the first submit — the server refuses a second call anyway), and each panel reloads itself every 10 seconds so
   the desk sees new arrivals, unless the user is filling in one of its forms. */
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute || !form.hasAttribute("data-once")) {
      return;
    }
    if (form.getAttribute("data-sent")) {
      event.preventDefault();
      return;
    }
    form.setAttribute("data-sent", "1");
    window.setTimeout(function () {
      Array.prototype.forEach.call(form.querySelectorAll("button"), function (b) {
        b.disabled = true;
      });
    }, 0);
  });

  function busy(panel) {
    var active = document.activeElement;
    if (active && panel.contains(active) && /^(INPUT|SELECT|TEXTAREA)$/.test(active.tagName)) {
      return true;
    }
    if (panel.querySelector("form[data-sent]")) {
      return true;
    }
    return Array.prototype.some.call(panel.querySelectorAll("input[type=checkbox], input[name=name]"), function (i) {
      return i.type === "checkbox" ? i.checked : i.value !== "";
    });
  }

  function refresh() {
    Array.prototype.forEach.call(document.querySelectorAll(".ticket-panel[data-panel-url]"), function (panel) {
      if (busy(panel) || !window.fetch) {
        return;
      }
      window
        .fetch(panel.getAttribute("data-panel-url"), { cache: "no-store", credentials: "same-origin" })
        .then(function (response) {
          return response.ok ? response.text() : null;
        })
        .then(function (html) {
          if (!html || busy(panel)) {
            return;
          }
          var holder = document.createElement("div");
          holder.innerHTML = html;
          var fresh = holder.querySelector(".ticket-panel");
          if (fresh) {
            var open = panel.querySelector("details[open]") !== null;
            panel.replaceWith(fresh);
            var details = fresh.querySelector("details");
            if (details && open) {
              details.open = true;
            }
          }
        })
        .catch(function () {});
    });
  }
  window.setInterval(refresh, 10000);
})();

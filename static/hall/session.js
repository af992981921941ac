// Idle logout on the hall's shared PCs: a minute before the session ends, offer "继续"; at the end, log out and
// show the login page so the next person at the desk sees no one's cases. The server decides (it ends the
// session on the next request anyway); this only asks it how long is left, so several open tabs agree.
(function () {
  "use strict";
  var config = document.querySelector("meta[name=hall-session]");
  if (!config) return;
  var statusUrl = config.dataset.url;
  var timeout = parseInt(config.dataset.idleSeconds, 10) || 900;
  var warning = document.getElementById("idle-warning");
  var countdown = document.getElementById("idle-countdown");
  var keepButton = document.getElementById("idle-continue");
  var logoutForm = document.getElementById("logout-form");
  var WARN_BEFORE = parseInt(config.dataset.warnSeconds, 10) || 60;
  var timer = null;
  var ticker = null;

  function csrfToken() {
    var field = logoutForm && logoutForm.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }

  function schedule(seconds) {
    clearTimeout(timer);
    timer = setTimeout(check, Math.max(seconds, 1) * 1000);
  }

  function hideWarning() {
    clearInterval(ticker);
    if (warning) warning.hidden = true;
  }

  function showWarning(remaining) {
    if (!warning) return;
    warning.hidden = false;
    var left = remaining;
    countdown.textContent = left;
    clearInterval(ticker);
    ticker = setInterval(function () {
      left -= 1;
      countdown.textContent = Math.max(left, 0);
      if (left <= 0) clearInterval(ticker);
    }, 1000);
    keepButton.focus();
  }

  function endSession() {
    hideWarning();
    if (logoutForm) {
      logoutForm.submit();
    } else {
      window.location.reload();
    }
  }

  function check() {
    fetch(statusUrl, { headers: { "X-Hall-Background": "1" }, credentials: "same-origin", cache: "no-store" })
      .then(function (response) { return response.json(); })
      .then(function (data) {
        var remaining = data.remaining;
        if (remaining <= 0) {
          endSession();
        } else if (remaining <= WARN_BEFORE) {
          showWarning(remaining);
          schedule(remaining);
        } else {
          hideWarning();
          schedule(remaining - WARN_BEFORE);
        }
      })
      .catch(function () { schedule(30); });
  }

  if (keepButton) {
    keepButton.addEventListener("click", function () {
      fetch(statusUrl, {
        method: "POST",
        headers: { "X-CSRFToken": csrfToken() },
        credentials: "same-origin",
      })
        .then(function (response) { return response.json(); })
        .then(function (data) {
          hideWarning();
          if (data.remaining > 0) schedule(data.remaining - WARN_BEFORE); else endSession();
        })
        .catch(function () { schedule(5); });
    });
  }

  schedule(timeout - WARN_BEFORE);
})();

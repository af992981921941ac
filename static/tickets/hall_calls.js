/* The hall board's calls (tickets): poll /hall/calls.json every second, show the newest call large, speak each new
   call once (speechSynthesis, zh-CN) when the voice switch is on. A file, not an inline script: the
   Content-Security-Policy allows none. Chrome lets a page speak only after a click on it, so the switch is also
   that click; the choice is remembered on this PC. */
(function () {
  "use strict";
  var root = document.getElementById("calls");
  if (!root || !window.fetch) {
    return;
  }
  var now = document.getElementById("call-now");
  var list = document.getElementById("call-list");
  var button = document.getElementById("voice");
  var INTERVAL = 1000;
  var seen = {};
  (root.getAttribute("data-keys") || "").split(" ").forEach(function (key) {
    if (key) {
      seen[key] = true;
    }
  });
  var voiceOn = false;
  try {
    voiceOn = window.localStorage.getItem("hall-voice") === "on";
  } catch (e) {
    voiceOn = false;
  }

  function showVoice() {
    button.setAttribute("aria-pressed", voiceOn ? "true" : "false");
    button.textContent = button.getAttribute(voiceOn ? "data-on" : "data-off");
    button.classList.toggle("is-on", voiceOn);
  }

  function speak(text) {
    if (!voiceOn || !window.speechSynthesis || !window.SpeechSynthesisUtterance) {
      return;
    }
    // Said twice, slowly: the hall is noisy and many listeners are old.
    for (var i = 0; i < 2; i++) {
      var utterance = new window.SpeechSynthesisUtterance(text);
      utterance.lang = "zh-CN";
      utterance.rate = 0.85;
      window.speechSynthesis.speak(utterance);
    }
  }

  function render(calls) {
    if (calls.length) {
      now.textContent = calls[0].text;
      now.classList.toggle("is-green", !!calls[0].green);
    } else {
      now.textContent = root.getAttribute("data-empty");
      now.classList.remove("is-green");
    }
    while (list.firstChild) {
      list.removeChild(list.firstChild);
    }
    calls.slice(1).forEach(function (call) {
      var item = document.createElement("li");
      item.textContent = call.text;
      list.appendChild(item);
    });
  }

  function poll() {
    window
      .fetch(root.getAttribute("data-url"), { cache: "no-store", headers: { Accept: "application/json" } })
      .then(function (response) {
        return response.ok ? response.json() : null;
      })
      .then(function (data) {
        if (!data) {
          return;
        }
        var fresh = data.calls.filter(function (call) {
          return !seen[call.key];
        });
        data.calls.forEach(function (call) {
          seen[call.key] = true;
        });
        render(data.calls);
        if (fresh.length) {
          now.classList.remove("is-new");
          void now.offsetWidth; // restart the highlight
          now.classList.add("is-new");
        }
        fresh.reverse().forEach(function (call) {
          speak(call.speech);
        });
        root.setAttribute("data-polled", String(Date.now()));
      })
      .catch(function () {})
      .then(function () {
        window.setTimeout(poll, INTERVAL);
      });
  }

  button.addEventListener("click", function () {
    voiceOn = !voiceOn;
    try {
      window.localStorage.setItem("hall-voice", voiceOn ? "on" : "off");
    } catch (e) {
      /* private mode: the switch works for this page only */
    }
    showVoice();
    if (!voiceOn && window.speechSynthesis) {
      window.speechSynthesis.cancel();
    }
  });
  showVoice();
  window.setTimeout(poll, INTERVAL);
})();

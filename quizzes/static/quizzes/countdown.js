/* Quiz countdown (no inline script: the CSP forbids it).
 * Reads the seconds left, computed by the server when the page was rendered, from
 * #quiz-timer[data-remaining]; counts down from the page's own clock so a wrong client clock
 * does not matter. At zero it submits the form with allow_blank=1 (unanswered questions score 0);
 * the server still decides, with its own deadline plus a grace period, whether answers count.
 */
(function () {
  "use strict";
  var timer = document.getElementById("quiz-timer");
  if (!timer) { return; }
  var value = timer.querySelector(".quiz-timer-value");
  var form = document.getElementById(timer.getAttribute("data-form"));
  var remaining = parseInt(timer.getAttribute("data-remaining"), 10);
  if (isNaN(remaining) || !value || !form) { return; }
  var end = Date.now() + remaining * 1000;
  var submitted = false;
  form.addEventListener("submit", function () { submitted = true; });

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  function render(seconds) {
    var h = Math.floor(seconds / 3600), m = Math.floor((seconds % 3600) / 60), s = seconds % 60;
    value.textContent = (h ? h + ":" + pad(m) : pad(m)) + ":" + pad(s);
    timer.classList.toggle("quiz-timer-low", seconds <= 60);
  }

  function finish() {
    if (submitted) { return; }
    submitted = true;
    var flag = form.elements.namedItem("allow_blank");
    if (flag) {
      if (flag.type === "checkbox") { flag.checked = true; } else { flag.value = "1"; }
    }
    timer.classList.add("quiz-timer-done");
    form.submit();
  }

  function tick() {
    var seconds = Math.max(0, Math.ceil((end - Date.now()) / 1000));
    render(seconds);
    if (seconds === 0) { finish(); return; }
    window.setTimeout(tick, 250);
  }
  tick();
}());

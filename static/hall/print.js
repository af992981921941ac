/* Print buttons and links: <button type="button" data-print> or <a href="#" data-print>.
   A listener here instead of onclick="window.print()": the Content-Security-Policy allows no inline script. */
document.addEventListener("click", function (event) {
  var trigger = event.target.closest && event.target.closest("[data-print]");
  if (!trigger) {
    return;
  }
  event.preventDefault();
  window.print();
});

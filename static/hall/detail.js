/* The case page's booking form: each "next market day" button puts its date into the date field.
   <button type="button" data-fill-target="#f-date" data-fill-value="2026-05-04">.
   A listener here instead of onclick="…": the Content-Security-Policy allows no inline script. */
document.addEventListener("click", function (event) {
  var button = event.target.closest && event.target.closest("[data-fill-target]");
  if (!button) {
    return;
  }
  var field = document.querySelector(button.getAttribute("data-fill-target"));
  if (field) {
    field.value = button.getAttribute("data-fill-value");
    field.dispatchEvent(new Event("change", { bubbles: true }));
  }
});

// Small progressive enhancements; every page works without JavaScript.
document.addEventListener("DOMContentLoaded", () => {
  // "Select all" checkbox for bulk actions on lists.
  document.querySelectorAll("[data-select-all]").forEach((box) => {
    box.addEventListener("change", () => {
      document.querySelectorAll(box.dataset.selectAll).forEach((item) => { item.checked = box.checked; });
    });
  });
  // A filter select that applies itself (the button beside it stays for use without JavaScript).
  document.querySelectorAll("select[data-auto-submit]").forEach((select) => {
    select.addEventListener("change", () => select.form.submit());
  });
});

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

// Searchable pickers (Tom Select, vendored): a select marked data-picker gets a search box that filters its options
// as the user types, keeping the option groups (units by district, organisations by kind) as headings. Forms that
// htmx loads later (action panels, report rows) get theirs when they arrive. Without JavaScript the select stays.
function qsPickers(root) {
  if (!window.TomSelect) return;
  root.querySelectorAll("select[data-picker]").forEach((select) => {
    if (select.tomselect) return;
    new TomSelect(select, {
      plugins: select.multiple ? ["remove_button"] : [],
      maxOptions: null,
      // Filter on every keystroke, not 300 ms after the last one (Tom Select's default, meant for remote loading):
      // the options are all on the page, and the delayed refresh read the box after the focus had moved between
      // pickers (a lead unit chosen, then the co-units typed), leaving the co-unit list unfiltered now and then.
      refreshThrottle: 0,
      // An optional select (a filter's 全部, a row's blank) keeps its empty choice; a required one does not offer it.
      allowEmptyOption: !select.required,
      placeholder: select.multiple ? "输入名称搜索，可选多个" : "输入名称搜索",
      render: {
        no_results: () => '<div class="no-results">没有匹配的选项</div>',
      },
    });
  });
}
document.addEventListener("DOMContentLoaded", () => qsPickers(document));
document.addEventListener("htmx:load", (event) => qsPickers(event.detail.elt));

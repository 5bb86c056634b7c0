// Charts as images: a button with data-png-for="<chart element id>" saves that ECharts chart as a PNG, drawn in the
// browser from the chart itself (getDataURL), so nothing leaves the app. A button with data-print prints the page
// (the CSP forbids inline handlers).
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-print]")) { window.print(); return; }
    var button = event.target.closest("[data-png-for]");
    if (!button || !window.echarts) { return; }
    var el = document.getElementById(button.dataset.pngFor);
    var instance = el && window.echarts.getInstanceByDom(el);
    if (!instance) { return; }
    var link = document.createElement("a");
    link.href = instance.getDataURL({ type: "png", pixelRatio: 2, backgroundColor: "#ffffff" });
    link.download = (button.dataset.pngName || button.dataset.pngFor) + ".png";
    document.body.appendChild(link);
    link.click();
    link.remove();
  });
})();

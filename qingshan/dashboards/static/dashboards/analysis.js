// 一键分析: 按期办结率 by unit as bars (the units a rule named in red), each bar opening its problem list.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var source = document.getElementById("analysis-data");
    var el = document.getElementById("analysis-units");
    if (!source || !el || !window.echarts) { return; }
    var bars = JSON.parse(source.textContent);
    var chart = window.echarts.init(el, null, { renderer: "canvas" });
    window.addEventListener("resize", function () { chart.resize(); });
    chart.setOption({
      animation: false,
      textStyle: { fontFamily: "'PingFang SC','Microsoft YaHei','Noto Sans CJK SC',sans-serif" },
      tooltip: { renderMode: "richText", trigger: "item", formatter: function (p) {
        return p.name + "：" + p.value + "%（" + bars[p.dataIndex].detail + "）"; } },
      grid: { left: 48, right: 12, top: 12, bottom: 64 },
      xAxis: { type: "category", data: bars.map(function (b) { return b.name; }), axisLabel: { rotate: 40, fontSize: 11 } },
      yAxis: { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } },
      series: [{ type: "bar", data: bars.map(function (b) {
        return { value: b.value, url: b.url, itemStyle: { color: b.flagged ? "#c0392b" : "#2e8b57" } };
      }) }]
    });
    chart.on("click", function (p) { if (p.data && p.data.url) { window.location.href = p.data.url; } });
    el.dataset.ready = "1";
  });
})();

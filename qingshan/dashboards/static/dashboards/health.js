// 体检报告: the radar of the unit's duty dimensions against its peers' median, and its trend by month, drawn with the
// vendored ECharts from the page's json_script data.
(function () {
  "use strict";
  var FONT = "'PingFang SC','Microsoft YaHei','Noto Sans CJK SC',sans-serif";

  function chart(id) {
    var el = document.getElementById(id);
    if (!el) { return null; }
    var instance = window.echarts.init(el, null, { renderer: "canvas" });
    window.addEventListener("resize", function () { instance.resize(); });
    window.addEventListener("beforeprint", function () { instance.resize(); });
    return instance;
  }

  document.addEventListener("DOMContentLoaded", function () {
    var source = document.getElementById("health-data");
    if (!source || !window.echarts) { return; }
    var data = JSON.parse(source.textContent);
    var radar = chart("health-radar");
    radar.setOption({
      animation: false, textStyle: { fontFamily: FONT }, legend: { bottom: 0 },
      tooltip: { renderMode: "richText", confine: true },
      radar: { indicator: data.indicators, radius: "62%", center: ["50%", "48%"], axisName: { color: "#1d3b2a" } },
      series: [{ type: "radar", data: [
        { name: data.unitName, value: data.unit, areaStyle: { opacity: 0.25 }, itemStyle: { color: "#c0392b" } },
        { name: "可比单位中位数", value: data.peers, lineStyle: { type: "dashed" }, itemStyle: { color: "#1f4e79" } }
      ] }]
    });
    document.getElementById("health-radar").dataset.ready = "1";
    if (data.months.length) {
      var months = chart("health-months");
      var series = [["received", "受理数", "#2e8b57"], ["overdue", "超期数", "#c0392b"], ["closed", "办结数", "#1f4e79"]];
      months.setOption({
        animation: false, textStyle: { fontFamily: FONT }, legend: { top: 0 },
        grid: { left: 40, right: 12, top: 30, bottom: 24 }, tooltip: { renderMode: "richText", trigger: "axis" },
        xAxis: { type: "category", data: data.months.map(function (m) { return m.label; }) },
        yAxis: { type: "value", minInterval: 1 },
        series: series.map(function (s) {
          return { type: "bar", name: s[1], itemStyle: { color: s[2] },
                   data: data.months.map(function (m) { return m[s[0]]; }) };
        })
      });
    }
  });
})();

// 一图总览: draws the district map, trends and splits from the page's json_script data with the vendored ECharts.
// Every region, point, bar and slice opens the list behind it. No request leaves the app: the outlines come from
// the app's own boundaries.json and no map tiles are used.
(function () {
  "use strict";

  var FONT = "'PingFang SC','Microsoft YaHei','Noto Sans CJK SC',sans-serif";

  function go(url) {
    if (url) { window.location.href = url; }
  }

  function chart(id) {
    var el = document.getElementById(id);
    if (!el) { return null; }
    var instance = window.echarts.init(el, null, { renderer: "canvas" });
    window.addEventListener("resize", function () { instance.resize(); });
    return instance;
  }

  function base() {
    return { animation: false, textStyle: { fontFamily: FONT }, tooltip: { renderMode: "richText", confine: true } };
  }

  function drawMap(data) {
    var el = document.getElementById("overview-map");
    var byName = {};
    data.districts.forEach(function (d) { byName[d.name] = d; });
    fetch(data.boundariesUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      })
      .then(function (geojson) {
        var shown = { type: "FeatureCollection", features: geojson.features.filter(function (f) {
          return byName[f.properties.name]; }) };
        if (!shown.features.length) {
          el.textContent = "尚未上传区县边界，暂无地图（可在下表查看各区县数字）。";
          el.classList.add("text-muted", "small");
          return;
        }
        window.echarts.registerMap("qingshan-overview", shown);
        var values = data.districts.map(function (d) { return d.value; }).filter(function (v) { return v !== null; });
        var max = values.length ? Math.max.apply(null, values) : 0;
        var good = "#2e8b57", bad = "#c0392b", light = "#f3f6f4";
        var colours = data.measure.higherIsBetter ? [bad, "#f1c40f", good] : [light, "#f5b041", bad];
        var instance = chart("overview-map");
        instance.setOption(Object.assign(base(), {
          tooltip: { renderMode: "richText", confine: true, trigger: "item", formatter: function (p) {
            if (p.seriesType === "scatter") { return p.data.name; }
            var d = byName[p.name];
            return d ? d.name + "：" + d.text + (d.detail ? "（" + d.detail + "）" : "") : p.name;
          } },
          visualMap: { type: "continuous", min: 0,
                       max: data.measure.kind === "rate" ? 100 : Math.max(max, 1), seriesIndex: 0,
                       inRange: { color: colours }, calculable: false, left: 8, bottom: 8,
                       text: [data.measure.kind === "rate" ? "100%" : String(Math.max(max, 1)), "0"] },
          geo: { map: "qingshan-overview", roam: false, layoutCenter: ["50%", "50%"], layoutSize: "95%",
                 label: { show: true, fontSize: 12, color: "#1d3b2a" },
                 itemStyle: { borderColor: "#fff", borderWidth: 1.5 },
                 emphasis: { label: { show: true }, itemStyle: { areaColor: "#9ed3b4" } } },
          series: [
            { type: "map", geoIndex: 0, name: data.measure.label,
              data: data.districts.map(function (d) { return { name: d.name, value: d.value, url: d.url }; }) },
            { type: "scatter", coordinateSystem: "geo", symbolSize: 6, z: 5, itemStyle: { color: "#1f4e79" },
              data: data.points.map(function (p) { return { name: p.name, value: [p.lng, p.lat], url: p.url }; }) }
          ]
        }));
        instance.on("click", function (p) {
          if (p.seriesType === "scatter") { go(p.data && p.data.url); return; }
          var d = byName[p.name];
          go(d && d.url);
        });
        el.dataset.ready = "1";
      })
      .catch(function () {
        el.textContent = "区县边界加载失败，请刷新页面重试。";
        el.classList.add("text-danger", "small");
      });
  }

  function drawMonths(data) {
    if (!data.months.length) { return; }
    var instance = chart("overview-months");
    var series = [["received", "受理数", "#2e8b57"], ["overdue", "超期数", "#c0392b"], ["closed", "办结数", "#1f4e79"]];
    instance.setOption(Object.assign(base(), {
      legend: { top: 0 }, grid: { left: 40, right: 12, top: 30, bottom: 24 },
      tooltip: { renderMode: "richText", trigger: "axis" },
      xAxis: { type: "category", data: data.months.map(function (m) { return m.label; }) },
      yAxis: { type: "value", minInterval: 1 },
      series: series.map(function (s) {
        return { type: "bar", name: s[1], itemStyle: { color: s[2] },
                 data: data.months.map(function (m) { return { value: m[s[0]], url: m[s[0] + "_url"] }; }) };
      })
    }));
    instance.on("click", function (p) { go(p.data && p.data.url); });
  }

  function drawPie(id, pieces) {
    if (!pieces.length) { return; }
    var instance = chart(id);
    instance.setOption(Object.assign(base(), {
      tooltip: { renderMode: "richText", trigger: "item", formatter: "{b}：{c}（{d}%）" },
      series: [{ type: "pie", radius: ["35%", "65%"], label: { fontSize: 11 },
                 data: pieces.map(function (p) { return { name: p.name, value: p.count, url: p.url }; }) }]
    }));
    instance.on("click", function (p) { go(p.data && p.data.url); });
  }

  function drawBars(id, pieces) {
    if (!pieces.length) { return; }
    var instance = chart(id);
    instance.setOption(Object.assign(base(), {
      tooltip: { renderMode: "richText", trigger: "item", formatter: "{b}：{c}" },
      grid: { left: 90, right: 16, top: 8, bottom: 20 },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: { type: "category", inverse: true, data: pieces.map(function (p) { return p.name; }) },
      series: [{ type: "bar", itemStyle: { color: "#2e8b57" },
                 data: pieces.map(function (p) { return { value: p.count, url: p.url }; }) }]
    }));
    instance.on("click", function (p) { go(p.data && p.data.url); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var source = document.getElementById("overview-data");
    if (!source || !window.echarts) { return; }
    var data = JSON.parse(source.textContent);
    drawMap(data);
    drawMonths(data);
    drawPie("overview-sources", data.sources);
    drawBars("overview-categories", data.categories);
  });
})();

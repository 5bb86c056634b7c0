// ReDoc's sidebar ends with "API docs by Redocly": a link to redocly.com (hidden by redoc.css) whose logo the bundle
// loads from cdn.redoc.ly. The intranet has no such host (and the CSP would refuse it): images from another host are
// not requested at all on this page. Loaded before the bundle, so it applies to every image ReDoc creates.
(() => {
  const ownOrigin = (value) => new URL(String(value), document.baseURI).origin === window.location.origin;
  const setAttribute = Element.prototype.setAttribute;
  Element.prototype.setAttribute = function (name, value) {
    if (this instanceof HTMLImageElement && String(name).toLowerCase() === "src" && !ownOrigin(value)) return;
    setAttribute.call(this, name, value);
  };
  const src = Object.getOwnPropertyDescriptor(HTMLImageElement.prototype, "src");
  Object.defineProperty(HTMLImageElement.prototype, "src", {
    configurable: true,
    get() { return src.get.call(this); },
    set(value) { if (ownOrigin(value)) src.set.call(this, value); },
  });
})();

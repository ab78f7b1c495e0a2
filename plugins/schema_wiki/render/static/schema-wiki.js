/* schema wiki: ER diagrams without a CDN, Mermaid loaded only where a page has one.
 *
 * The plugin serves a pinned Mermaid (mermaid.min.js, beside this file).
 * mkdocs-material renders ```mermaid blocks itself: it uses a global `mermaid`
 * when the page has one and otherwise fetches Mermaid from a CDN. So this file
 * puts a small stand-in in that global: the first diagram to render loads the
 * real Mermaid from this site, and every call goes through to it. Under any
 * other theme this file renders the diagrams itself. A site that loads its own
 * Mermaid keeps it.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  var source = script ? script.src.replace(/[^/]*$/, "mermaid.min.js") : "mermaid.min.js";
  var loading = null;
  var settings = [];

  function load() {
    if (!loading) {
      loading = new Promise(function (resolve, reject) {
        var tag = document.createElement("script");
        tag.src = source;
        tag.onload = function () {
          var real = window.mermaid;
          settings.forEach(function (config) { real.initialize(config); });
          resolve(real);
        };
        tag.onerror = function () { reject(new Error("schema wiki: cannot load " + source)); };
        document.head.appendChild(tag);
      });
    }
    return loading;
  }

  // Zensical (0.0.73) sometimes scrolls to the top just after loading a page whose
  // address names a section (a search result, a column's deep link): the reader
  // lands on the page's head instead of the column. Bring the section back, once,
  // if nobody has scrolled since.
  window.addEventListener("load", function () {
    var id = location.hash ? decodeURIComponent(location.hash.slice(1)) : "";
    var target = id ? document.getElementById(id) : null;
    if (target && window.scrollY === 0 && target.getBoundingClientRect().top > window.innerHeight) {
      target.scrollIntoView();
    }
  });

  if (typeof window.mermaid !== "undefined") {
    return; // the site brought its own Mermaid
  }
  window.mermaid = {
    initialize: function (config) {
      settings.push(Object.assign({}, config, { startOnLoad: false }));
    },
    render: function () {
      var args = arguments;
      return load().then(function (real) { return real.render.apply(real, args); });
    },
    run: function () {
      var args = arguments;
      return load().then(function (real) { return real.run.apply(real, args); });
    }
  };

  if (typeof window.document$ !== "undefined") {
    return; // mkdocs-material mounts the diagrams and calls the stand-in
  }
  function render() {
    var nodes = [];
    document.querySelectorAll("pre.mermaid").forEach(function (pre) {
      var host = document.createElement("div");
      host.className = "mermaid";
      host.textContent = pre.textContent;
      pre.replaceWith(host);
      nodes.push(host);
    });
    if (nodes.length) {
      window.mermaid.initialize({ startOnLoad: false });
      window.mermaid.run({ nodes: nodes });
    }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", render);
  } else {
    render();
  }
})();

/* schema wiki: ER diagrams without a CDN.
 *
 * The plugin serves a pinned Mermaid (mermaid.min.js, loaded just before this
 * file). mkdocs-material renders ```mermaid blocks itself and uses a global
 * `mermaid` when one is loaded instead of fetching it from a CDN, so under
 * Material this file only stops Mermaid from also starting on its own. Under
 * any other theme it renders the diagrams.
 */
(function () {
  "use strict";
  if (typeof window.mermaid === "undefined") {
    return;
  }
  window.mermaid.initialize({ startOnLoad: false });
  if (typeof window.document$ !== "undefined") {
    return; // mkdocs-material: its own Mermaid integration takes over
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
      window.mermaid.run({ nodes: nodes });
    }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", render);
  } else {
    render();
  }
})();

/* Start Pagefind's search box on the search page. The index sits in pagefind/ at the site
   root; its URL is worked out from this page so the site works under any path. */
window.addEventListener("DOMContentLoaded", function () {
  var box = document.getElementById("search");
  if (!box || typeof PagefindUI === "undefined") return;
  var root = new URL(box.getAttribute("data-root"), window.location.href).pathname;
  var ui = new PagefindUI({
    element: "#search",
    baseUrl: root,
    bundlePath: root + "pagefind/",
    showImages: false,
    showSubResults: true,
    resetStyles: false
  });
  // Pagefind's box has only a placeholder; give it a name screen readers announce.
  var input = box.querySelector("input");
  if (input) input.setAttribute("aria-label", "搜索全站");
  var query = new URLSearchParams(window.location.search).get("q");
  if (query) ui.triggerSearch(query);
});

/* Start Pagefind's search box on the search page. The index sits in pagefind/ at the site
   root; its URL is worked out from this page so the site works under any path. Everything
   it loads is in the built folder: search needs no internet, only a web server. */
window.addEventListener("DOMContentLoaded", function () {
  var box = document.getElementById("search");
  if (!box) return;
  if (window.location.protocol === "file:" || typeof PagefindUI === "undefined") {
    // Browsers do not let pages opened from disk load the index.
    var note = document.createElement("p");
    note.className = "search-note";
    note.textContent = "直接从文件夹打开网页时无法搜索。请用 gongjian serve 预览,或把 site/public 发布到网站服务器后再搜索。";
    box.appendChild(note);
    return;
  }
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

// Put the post on the clipboard as HTML, with the images' public URLs (the editor fetches them when the site is online).
(function () {
  var button = document.getElementById("copy-wechat");
  var status = document.getElementById("copy-status");
  var post = document.getElementById("wechat-post");
  if (!button || !post) { return; }
  function markup() {
    var copy = post.cloneNode(true);
    copy.querySelectorAll("img[data-public-src]").forEach(function (img) {
      img.setAttribute("src", img.getAttribute("data-public-src"));
      img.removeAttribute("data-public-src");
    });
    return copy.innerHTML.trim();
  }
  function bySelection(html) {
    // Older browsers, or a page opened where the clipboard API is refused: copy a selection instead.
    var holder = document.createElement("div");
    holder.innerHTML = html;
    holder.setAttribute("style", "position: fixed; left: -10000px; top: 0; width: 677px");
    document.body.appendChild(holder);
    var selection = window.getSelection();
    var range = document.createRange();
    range.selectNodeContents(holder);
    selection.removeAllRanges();
    selection.addRange(range);
    var done = false;
    try { done = document.execCommand("copy"); } catch (e) { done = false; }
    selection.removeAllRanges();
    holder.remove();
    return done;
  }
  function report(done) {
    status.textContent = done ? "已复制，请到公众号编辑器的正文里粘贴" : "没能复制：请用鼠标选中下面的文章，按 Ctrl+C 复制";
  }
  button.addEventListener("click", function () {
    var html = markup();
    if (navigator.clipboard && navigator.clipboard.write && window.ClipboardItem) {
      var item = new ClipboardItem({
        "text/html": new Blob([html], { type: "text/html" }),
        "text/plain": new Blob([post.innerText], { type: "text/plain" })
      });
      navigator.clipboard.write([item]).then(function () { report(true); }, function () { report(bySelection(html)); });
    } else {
      report(bySelection(html));
    }
  });
})();

// Reloads the runs table's rows every data-refresh milliseconds.
(function () {
  var body = document.getElementById("runs-rows");
  if (!body) return;
  var every = parseInt(body.getAttribute("data-refresh"), 10) || 1000;
  function tick() {
    var url = new URL(window.location.href);
    url.searchParams.set("rows", "1");
    fetch(url, { headers: { "Accept": "text/html" } })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(function (html) { if (html !== body.innerHTML) body.innerHTML = html; })
      .catch(function () {})
      .finally(function () { setTimeout(tick, every); });
  }
  setTimeout(tick, every);
})();

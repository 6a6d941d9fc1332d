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

// Streams a realtime channel into the realtime page (data-sse: the SSE URL).
(function () {
  var out = document.getElementById("rt-stream");
  if (!out) return;
  var es = new EventSource(out.getAttribute("data-sse"));
  es.onmessage = function (e) {
    out.textContent += e.data + "\n";
  };
})();

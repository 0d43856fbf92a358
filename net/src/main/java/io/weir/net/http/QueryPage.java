package io.weir.net.http;

/** The built-in query page at {@code /ui}: one form, the JSON answer, and where it came from. */
public final class QueryPage {
    private QueryPage() {}

    public static final String HTML = """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><title>Weir</title>
            <style>
             body{font-family:system-ui,sans-serif;margin:2em;max-width:70em}
             input[type=text]{width:100%;font-family:monospace;font-size:1.1em;padding:.3em}
             pre{background:#f4f4f4;padding:1em;overflow:auto;max-height:40em}
             .src{font-weight:bold}
            </style></head>
            <body>
            <h1>Weir</h1>
            <form id="f">
             <p><input type="text" id="q" placeholder="avg_over_time(up[5m])" autofocus></p>
             <p><label>time <input id="t" placeholder="now (unix seconds or RFC 3339)"></label>
                <button>Query</button></p>
            </form>
            <p>Source: <span class="src" id="s">-</span> <span id="ms"></span></p>
            <pre id="out"></pre>
            <script>
            document.getElementById('f').onsubmit = async (e) => {
              e.preventDefault();
              const p = new URLSearchParams({query: document.getElementById('q').value});
              const t = document.getElementById('t').value; if (t) p.set('time', t);
              const t0 = performance.now();
              const r = await fetch('/api/v1/query', {method: 'POST', body: p});
              document.getElementById('ms').textContent = '(' + (performance.now() - t0).toFixed(1) + ' ms, HTTP ' + r.status + ')';
              document.getElementById('s').textContent = r.headers.get('X-Weir-Source') || '-';
              const text = await r.text();
              try { document.getElementById('out').textContent = JSON.stringify(JSON.parse(text), null, 2); }
              catch (_) { document.getElementById('out').textContent = text; }
            };
            </script>
            </body></html>
            """;
}

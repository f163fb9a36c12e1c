"""The page's one style sheet, inline (its SHA-256 is in the page's Content-Security-Policy).
System fonts only: nothing to download. Colours are Okabe and Ito's, text keeps WCAG AA
contrast, and the layout holds from a phone to a wide notebook cell and on paper."""

STYLE = """
:root{--ink:#1d1d1f;--muted:#5b5b60;--line:#d9d9de;--card:#fff;--page:#f4f4f6;
--blue:#0072B2;--orange:#E69F00;--green:#00805f;--red:#b34700;--sky:#56B4E9;
font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif;font-size:15px;
color:var(--ink);background:var(--page);line-height:1.45}
body{margin:0}
header,main,footer{max-width:1180px;margin:0 auto;padding:0 16px}
header{padding-top:20px}
h1{font-size:1.6rem;margin:0 0 4px}
h2{font-size:1.2rem;margin:0 0 12px}
h3{font-size:1rem;margin:16px 0 8px}
nav.sections a{margin-right:14px;color:var(--blue)}
.subtitle{color:var(--muted);margin:0 0 10px}
.card{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:16px 20px;
margin:16px 0}
section.invalid{border:2px solid var(--red)}
section.valid{border-left:6px solid var(--green)}
.banner{font-size:1.05rem;margin:0 0 8px}
.badge{display:inline-block;font-weight:700;border-radius:4px;padding:2px 10px;color:#fff}
.badge.good{background:var(--green)}.badge.bad{background:var(--red)}
.badge.neutral{background:#5b5b60}
.note{color:var(--muted)}.note.warn{color:var(--red)}
.absent{color:var(--muted);font-style:italic}
.groups{display:grid;grid-template-columns:repeat(auto-fill,minmax(330px,1fr));gap:4px 24px}
dl{margin:0}dl div{display:flex;gap:8px;padding:2px 0;border-bottom:1px dotted var(--line)}
dt{color:var(--muted);min-width:8em;flex:none}dd{margin:0;overflow-wrap:anywhere;min-width:0}
.digest{font-size:.8rem;word-break:break-all}
.tiles{display:flex;gap:16px;flex-wrap:wrap}
.tile{border:1px solid var(--line);border-radius:8px;padding:10px 18px;min-width:200px}
.tile-label{color:var(--muted)}.tile-value{font-size:2rem;font-weight:700}
.tile-sub{color:var(--muted);font-size:.9rem}
svg.chart{width:100%;max-width:760px;height:auto;display:block;font-size:12px}
svg.chart text{fill:var(--ink)}svg.chart .tick,svg.chart .axis{fill:var(--muted);font-size:11px}
svg.chart .heading{font-weight:700}
.curves{display:grid;grid-template-columns:repeat(auto-fill,minmax(340px,1fr));gap:8px}
figure{margin:0}figcaption{color:var(--muted);font-size:.9rem}
table.data{border-collapse:collapse;margin:8px 0;font-size:.9rem}
table.data caption{text-align:left;font-weight:600;padding:4px 0}
table.data th,table.data td{border-bottom:1px solid var(--line);padding:3px 10px;
text-align:left;vertical-align:top;overflow-wrap:anywhere}
details{margin:6px 0}summary{cursor:pointer;color:var(--blue)}
.controls{display:flex;flex-wrap:wrap;gap:10px 16px;align-items:center;margin:0 0 10px}
.outcomes{display:inline-flex;gap:0}
.outcomes button{border:1px solid var(--line);background:#fff;padding:4px 10px;cursor:pointer;
font:inherit}
.outcomes button[aria-pressed=true]{background:var(--blue);color:#fff;border-color:var(--blue)}
select,input[type=search],.pager button{font:inherit;padding:3px 6px}
.pager{display:flex;gap:8px;align-items:center;margin:10px 0}
table.items{width:100%;border-collapse:collapse;table-layout:fixed}
table.items th{text-align:left;border-bottom:2px solid var(--line);padding:4px 8px}
table.items th:nth-child(1){width:18%}table.items th:nth-child(3){width:22%}
table.items td{border-bottom:1px solid var(--line);padding:6px 8px;vertical-align:top;
overflow-wrap:anywhere}
.item-id{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-weight:600}
.meta{color:var(--muted);font-size:.85rem}
.outcome{display:inline-block;font-size:.8rem;font-weight:700;border-radius:3px;padding:0 6px;
margin-top:4px;color:#fff}
.outcome.correct{background:var(--green)}.outcome.wrong{background:var(--red)}
.outcome.format{background:#5b5b60}
.response{white-space:pre-wrap;overflow-wrap:anywhere;word-break:break-word;max-height:16em;
overflow:auto;font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;
font-size:.85rem;unicode-bidi:isolate}
.response .reasoning{background:#e6f1f8}.response .answer{background:#fbefd2;font-weight:700}
.response .tag{color:var(--muted)}.response.malformed{background:#f6f6f6}
.response span{unicode-bidi:isolate}
.outcome.bidi{background:#6a3d9a}
.label-small{color:var(--muted);font-size:.8rem;display:block}
.flips{display:grid;gap:12px}
.flip{border:1px solid var(--line);border-radius:6px;padding:8px 12px}
.sides{display:grid;grid-template-columns:1fr 1fr;gap:12px}
footer{color:var(--muted);font-size:.85rem;padding:8px 16px 32px}
@media (max-width:700px){.sides{grid-template-columns:1fr}
table.items th:nth-child(1),table.items th:nth-child(3){width:auto}}
@media print{.controls,.pager,nav.sections{display:none}.response{max-height:none}}
"""

// The page's whole stylesheet: inline, small, no third-party requests or fonts. Colours pass WCAG AA
// on both themes (dark follows prefers-color-scheme). Bars: CSS only; their figures are in titles and
// in a <details> list that keyboard and touch users can open.
export const CSS = `
:root{color-scheme:light dark;--bg:#fff;--fg:#1b1f24;--muted:#57606a;--card:#f6f8fa;--line:#d0d7de;--link:#0550ae;
--ok:#1a7f37;--degraded:#9a6700;--partial:#bc4c00;--major:#cf222e;--maint:#0969da;--nodata:#d0d7de}
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--fg:#e6edf3;--muted:#9198a1;--card:#161b22;--line:#30363d;--link:#58a6ff;
--ok:#3fb950;--degraded:#d29922;--partial:#f0883e;--major:#f85149;--maint:#58a6ff;--nodata:#30363d}}
*{box-sizing:border-box}body{margin:0;font:16px/1.5 system-ui,sans-serif;background:var(--bg);color:var(--fg)}
a{color:var(--link)}a:focus-visible,summary:focus-visible,button:focus-visible{outline:3px solid var(--maint);outline-offset:2px}
.skip{position:absolute;left:-999px}.skip:focus{left:1rem;top:1rem;background:var(--bg);padding:.5rem;z-index:1}
header,main,footer{max-width:52rem;margin:0 auto;padding:1rem}
.top{display:flex;justify-content:space-between;align-items:center;gap:1rem;flex-wrap:wrap}
.top nav ul{display:flex;gap:.75rem;list-style:none;margin:0;padding:0}
h1{font-size:1.5rem;margin:.5rem 0}h1 a{color:inherit;text-decoration:none}h2{font-size:1.15rem;margin:0}h3{font-size:1rem;margin:.5rem 0}
.now,.asof{color:var(--muted);font-size:.9rem}
.banner{border-radius:.5rem;padding:1rem;font-weight:600;color:#fff;margin:1rem 0}
.banner.none{background:var(--ok)}.banner.minor{background:var(--degraded)}.banner.major{background:var(--partial)}
.banner.critical{background:var(--major)}.banner.maintenance{background:var(--maint)}
@media (prefers-color-scheme:dark){.banner{color:#0d1117}}
section{margin:1.5rem 0}
section.service{border:1px solid var(--line);border-radius:.5rem;margin:1rem 0;background:var(--card);content-visibility:auto;contain-intrinsic-size:auto 30rem}
section.service>header{display:flex;justify-content:space-between;align-items:center;gap:.5rem;flex-wrap:wrap;padding:.75rem 1rem;max-width:none;border-bottom:1px solid var(--line)}
.vendor{margin:0;padding:.5rem 1rem;border-bottom:1px solid var(--line);font-size:.9rem;display:flex;gap:1rem;flex-wrap:wrap}
.warn{margin:0;padding:.6rem 1rem;border-left:4px solid var(--major);background:var(--bg);font-weight:600}
ul.components{list-style:none;margin:0;padding:0}
ul.components>li{padding:.6rem 1rem;border-top:1px solid var(--line)}ul.components>li:first-child{border-top:0}
.row{display:flex;justify-content:space-between;flex-wrap:wrap;gap:.1rem 1rem}
h3.group{padding:.5rem 1rem 0;color:var(--muted);font-size:.9rem;text-transform:uppercase;letter-spacing:.04em}
.group{color:var(--muted);font-size:.85rem;margin-left:.5rem}
.status{font-weight:600;white-space:nowrap}.since{color:var(--muted);font-size:.85rem;font-weight:400;white-space:nowrap}
.row>.status{display:flex;flex-wrap:wrap;justify-content:flex-end;align-items:baseline;gap:0 .5rem;white-space:normal;text-align:right;margin-left:auto}
.uptime-sum{margin:.1rem 0 0;color:var(--muted);font-size:.85rem}
body{overflow-wrap:break-word}select{max-width:100%}
.s-operational{color:var(--ok)}.s-degraded_performance{color:var(--degraded)}.s-partial_outage{color:var(--partial)}
.s-major_outage{color:var(--major)}.s-under_maintenance{color:var(--maint)}
.regions{list-style:none;display:flex;flex-wrap:wrap;gap:.25rem .75rem;margin:.25rem 0 0;padding:0;font-size:.85rem;color:var(--muted)}
.r-down{color:var(--major)}.r-degraded{color:var(--degraded)}
.bars{display:flex;gap:1px;height:1.75rem;margin:.4rem 0 .1rem}.bars i{flex:1;border-radius:1px;background:var(--nodata)}
.bars i:hover{opacity:.6}.bars .b1{background:var(--ok)}.bars .b2{background:var(--degraded)}.bars .b3{background:var(--partial)}.bars .b4{background:var(--major)}
.barlegend{display:flex;justify-content:space-between;color:var(--muted);font-size:.8rem}
details{font-size:.9rem}summary{cursor:pointer;color:var(--muted)}details ul{margin:.25rem 0;padding-left:1.25rem}
ol.changes,ol.updates,ul.history{list-style:none;padding:0}ol.changes li,ul.history li{padding:.35rem 0;border-bottom:1px solid var(--line)}
ol.updates>li{padding:.5rem 0;border-bottom:1px solid var(--line)}
article.incident{border:1px solid var(--line);border-left:4px solid var(--partial);border-radius:.5rem;padding:.5rem 1rem;margin:1rem 0;background:var(--card)}
article.impact-critical{border-left-color:var(--major)}article.impact-minor{border-left-color:var(--degraded)}article.maint{border-left-color:var(--maint)}
.report-link{margin:0;padding:.5rem 1rem;border-top:1px solid var(--line)}
.gateway>p.meta,.gateway-events{margin:0;padding:.25rem 1rem}.gateway-events{padding-left:2.25rem;padding-bottom:.5rem}div.gateway{border-top:1px solid var(--line)}
.meta{color:var(--muted);font-size:.9rem}.silent{color:var(--major)}
dl.figures{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem}dl.figures dt{color:var(--muted)}dl.figures dd{margin:0}
time{font-variant-numeric:tabular-nums}
footer{border-top:1px solid var(--line);margin-top:2rem}footer ul{list-style:none;display:flex;flex-wrap:wrap;gap:.25rem 1rem;padding:0}
@media (max-width:40rem){dl.figures{grid-template-columns:1fr}dl.figures dd{margin-bottom:.35rem}}
`;

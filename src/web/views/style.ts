// The page's whole stylesheet: inline, small, no third-party requests. Colours pass WCAG AA on both themes.
export const CSS = `
:root{--bg:#fff;--fg:#1b1f24;--muted:#57606a;--card:#f6f8fa;--line:#d0d7de;
--ok:#1a7f37;--degraded:#9a6700;--partial:#bc4c00;--major:#cf222e;--maint:#0969da}
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--fg:#e6edf3;--muted:#9198a1;--card:#161b22;--line:#30363d;
--ok:#3fb950;--degraded:#d29922;--partial:#f0883e;--major:#f85149;--maint:#58a6ff}}
*{box-sizing:border-box}body{margin:0;font:16px/1.5 system-ui,sans-serif;background:var(--bg);color:var(--fg)}
header,main,footer{max-width:52rem;margin:0 auto;padding:1rem}
h1{font-size:1.5rem;margin:.5rem 0}h2{font-size:1.15rem;margin:0}
.now{color:var(--muted);font-size:.9rem}
.banner{border-radius:.5rem;padding:1rem;font-weight:600;color:#fff;margin:1rem 0}
.banner.none{background:var(--ok)}.banner.minor{background:var(--degraded)}.banner.major{background:var(--partial)}
.banner.critical{background:var(--major)}.banner.maintenance{background:var(--maint)}
@media (prefers-color-scheme:dark){.banner{color:#0d1117}}
section.service{border:1px solid var(--line);border-radius:.5rem;margin:1rem 0;background:var(--card)}
section.service>header{display:flex;justify-content:space-between;align-items:center;padding:.75rem 1rem;max-width:none;border-bottom:1px solid var(--line)}
ul.components{list-style:none;margin:0;padding:0}
ul.components li{display:flex;justify-content:space-between;gap:1rem;padding:.6rem 1rem;border-top:1px solid var(--line)}
ul.components li:first-child{border-top:0}
.group{color:var(--muted);font-size:.85rem;margin-left:.5rem}
.status{font-weight:600;white-space:nowrap}.since{color:var(--muted);font-size:.85rem;font-weight:400;margin-left:.5rem}
.s-operational{color:var(--ok)}.s-degraded_performance{color:var(--degraded)}.s-partial_outage{color:var(--partial)}
.s-major_outage{color:var(--major)}.s-under_maintenance{color:var(--maint)}
ol.changes{list-style:none;padding:0}ol.changes li{padding:.35rem 0;border-bottom:1px solid var(--line)}
time{font-variant-numeric:tabular-nums}
`;

/**
 * The console's one stylesheet, served from the app (/api/console/assets/console-<hash>.css,
 * cached for a year under its content hash) so the Content-Security-Policy can say
 * `style-src 'self'` and nothing is fetched from a CDN. System fonts only. Colours follow
 * Fluent's neutral and brand ramps; every text colour meets WCAG AA (4.5:1) on its background.
 */
import { createHash } from 'node:crypto';

export const CONSOLE_CSS = `
:root{--bg:#f5f5f5;--surface:#fff;--text:#242424;--muted:#595959;--border:#d1d1d1;--line:#e0e0e0;
--brand:#0f6cbd;--brand-dark:#0c3b5e;--brand-bg:#ebf3fc;--ok:#0e700e;--ok-bg:#f1faf1;--bad:#b10e1c;--bad-bg:#fdf3f4;
--warn:#8a3707;--warn-bg:#fff9f5;--info-bg:#f0f0f0;--focus:#000}
*{box-sizing:border-box}
html{font-size:15px}
body{margin:0;background:var(--bg);color:var(--text);font-family:"Segoe UI","Segoe UI Web (West European)",-apple-system,BlinkMacSystemFont,Roboto,"Helvetica Neue",Arial,sans-serif;line-height:1.45}
a{color:var(--brand)}a:hover{color:var(--brand-dark)}
:focus-visible{outline:2px solid var(--focus);outline-offset:2px}
.skip{position:absolute;left:-10000px;top:0;background:var(--surface);padding:.5rem 1rem;z-index:10}
.skip:focus{left:1rem;top:.5rem}
.visually-hidden{position:absolute!important;width:1px;height:1px;padding:0;margin:-1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap;border:0}
header.top{background:var(--brand-dark);color:#fff;display:flex;align-items:center;gap:1.5rem;padding:0 1.5rem;min-height:3rem;flex-wrap:wrap}
header.top .product{font-weight:600;font-size:1.05rem;color:#fff;text-decoration:none}
header.top nav ul{list-style:none;display:flex;gap:.25rem;margin:0;padding:0;flex-wrap:wrap}
header.top nav a{color:#fff;text-decoration:none;padding:.75rem .6rem;display:block;border-bottom:3px solid transparent}
header.top nav a:hover{background:rgba(255,255,255,.12)}
header.top nav a[aria-current=page]{border-bottom-color:#fff;font-weight:600}
header.top :focus-visible{outline-color:#fff}
header.top .who{margin-left:auto;display:flex;gap:1rem;align-items:center;font-size:.9rem}
header.top .who a{color:#fff}
main{max-width:80rem;margin:0 auto;padding:1.25rem 1.5rem 3rem}
h1{font-size:1.6rem;font-weight:600;margin:.25rem 0 .25rem}
h2{font-size:1.2rem;font-weight:600;margin:0 0 .75rem}
h3{font-size:1rem;font-weight:600;margin:1rem 0 .5rem}
p.lead{color:var(--muted);margin:0 0 1.25rem}
.crumbs{font-size:.9rem;margin:0 0 .25rem;color:var(--muted)}
.crumbs a{color:var(--brand)}
section.card{background:var(--surface);border:1px solid var(--line);border-radius:6px;padding:1rem 1.25rem;margin:0 0 1.25rem}
.grid{display:grid;gap:1rem;grid-template-columns:repeat(auto-fit,minmax(12.5rem,1fr));margin:0 0 1.25rem}
.grid section.card{margin:0}
.kpi .value{font-size:2rem;font-weight:600;line-height:1.1}
.kpi .label{font-weight:600}
.kpi .sub{color:var(--muted);font-size:.9rem}
table{border-collapse:collapse;width:100%;font-size:.92rem}
caption{text-align:left;font-weight:600;padding:0 0 .5rem}
th,td{text-align:left;padding:.45rem .6rem;border-bottom:1px solid var(--line);vertical-align:top}
thead th{font-weight:600;color:var(--muted);border-bottom:1px solid var(--border);white-space:nowrap}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
tbody tr:hover{background:#fafafa}
.table-wrap{overflow-x:auto}
.badge{display:inline-flex;align-items:center;gap:.35rem;padding:.05rem .5rem;border-radius:999px;font-size:.82rem;font-weight:600;border:1px solid transparent;white-space:nowrap}
.badge::before{content:"";width:.5rem;height:.5rem;border-radius:50%;background:currentColor}
.badge.ok{color:var(--ok);background:var(--ok-bg);border-color:#9fd89f}
.badge.bad{color:var(--bad);background:var(--bad-bg);border-color:#eeacb2}
.badge.warn{color:var(--warn);background:var(--warn-bg);border-color:#fdcfb4}
.badge.info{color:var(--brand-dark);background:var(--brand-bg);border-color:#b4d6fa}
.badge.neutral{color:var(--muted);background:var(--info-bg);border-color:var(--border)}
svg.bar{display:block;width:100%;height:.75rem;border-radius:3px;background:var(--line);margin:.5rem 0 .75rem}
.s-nonDestructive{background:#107c10;fill:#107c10}.s-destructiveOnly{background:#c50f1f;fill:#c50f1f}
.s-noHelloKey{background:#8a8886;fill:#8a8886}.s-unknown{background:#ca5010;fill:#ca5010}
.s-stale{background:#8764b8;fill:#8764b8}.s-notReported{background:#c8c6c4;fill:#c8c6c4}
.s-entraRegistered{background:#e1dfdd;fill:#e1dfdd}
.legend{margin:.25rem 0 0;color:var(--muted);font-size:.9rem}.legend-item{margin-right:1.25rem}
.sw-line{background:#0f6cbd}.sw-line2{background:#107c10}
.legend-swatch{display:inline-block;width:.7rem;height:.7rem;border-radius:2px;margin-right:.4rem;vertical-align:-.05rem}
.muted{color:var(--muted)}.nowrap{white-space:nowrap}
.mono{font-family:Consolas,"Cascadia Mono","Courier New",monospace;font-size:.88em;word-break:break-all}
form.filters{display:flex;flex-wrap:wrap;gap:.75rem 1rem;align-items:flex-end;margin:0 0 1rem}
form.filters label{display:flex;flex-direction:column;font-size:.85rem;font-weight:600;gap:.2rem}
input[type=search],select{font:inherit;padding:.3rem .5rem;border:1px solid #767676;border-radius:4px;background:#fff;min-width:12rem;color:var(--text)}
button,.button{font:inherit;background:var(--brand);color:#fff;border:1px solid var(--brand);border-radius:4px;padding:.35rem 1rem;cursor:pointer;text-decoration:none;display:inline-block}
button:hover,.button:hover{background:var(--brand-dark);color:#fff}
.button.secondary{background:#fff;color:var(--text);border-color:#767676}
.button.secondary:hover{background:#f5f5f5;color:var(--text)}
.pager{display:flex;gap:.75rem;align-items:center;margin:1rem 0 0;flex-wrap:wrap}
.notice{border-left:4px solid var(--brand);background:var(--brand-bg);padding:.6rem .9rem;margin:0 0 1rem;border-radius:0 4px 4px 0}
.notice.bad{border-color:var(--bad);background:var(--bad-bg)}
.notice.warn{border-color:#da3b01;background:var(--warn-bg)}
.notice.ok{border-color:var(--ok);background:var(--ok-bg)}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.3rem 1.25rem;margin:0}
dl.facts dt{color:var(--muted)}dl.facts dd{margin:0}
ol.reasons{margin:0;padding-left:1.25rem}ol.reasons>li{margin:0 0 1rem}
.evidence{font-size:.88rem;color:var(--muted);margin:.25rem 0 0}
details{margin:.25rem 0}summary{cursor:pointer;color:var(--brand)}
.policy{border:1px solid var(--line);border-radius:6px;padding:.75rem 1rem;margin:0 0 .75rem}
.policy h3{margin:0 0 .25rem;display:flex;gap:.6rem;flex-wrap:wrap;align-items:center}
.policy ul{margin:.25rem 0 0;padding-left:1.25rem}
svg.trend{width:100%;height:auto;max-height:16rem}
svg.trend .grid-line{stroke:#e0e0e0}svg.trend .axis{fill:#595959;font-size:11px}
svg.trend .line{fill:none;stroke:#0f6cbd;stroke-width:2.5}svg.trend .dot{fill:#0f6cbd}
svg.trend .line2{fill:none;stroke:#107c10;stroke-width:2;stroke-dasharray:5 4}
footer.page{max-width:80rem;margin:0 auto;padding:0 1.5rem 2rem;color:var(--muted);font-size:.85rem}
@media (max-width:40rem){header.top .who{margin-left:0}main{padding:1rem}}
`;

export const CONSOLE_CSS_NAME = `console-${createHash('sha256').update(CONSOLE_CSS).digest('hex').slice(0, 12)}.css`;

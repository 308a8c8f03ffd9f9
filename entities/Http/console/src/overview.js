// Overview: charts of what the store is doing, polled every few seconds while the view is shown.
// Per-second series come from GET <base>/stats (the host's last 300 s); the key count, expired
// keys and keys by type from DBSIZE, INFO and a SCAN sample. Charts are uPlot (loaded with this
// view only), in the page's own colors so they read in light and dark mode.
import { useEffect, useRef, useState } from "preact/hooks";
import uPlot from "uplot";
import { html, Alert } from "./ui.js";
import { command, get, pipeline, StoreError } from "./api.js";

const POLL_MS = 3000;
const SAMPLE = 500; // keys whose types are counted for "keys by type"

const info = text => Object.fromEntries(text.split(/\r?\n/).filter(l => l && !l.startsWith("#")).map(l => l.split(/:(.*)/s).slice(0, 2)));
const css = name => getComputedStyle(document.documentElement).getPropertyValue(name).trim();

/** A uPlot line chart of [times, ...series] that follows its container's width. */
function Chart({ id, title, series, data, unit }) {
  const box = useRef(null);
  const plot = useRef(null);
  useEffect(() => {
    const axis = { stroke: css("--muted"), grid: { stroke: css("--line"), width: 1 }, ticks: { stroke: css("--line") } };
    plot.current = new uPlot({
      width: box.current.clientWidth || 400,
      height: 180,
      scales: { x: { time: true } },
      axes: [axis, { ...axis, size: 60 }],
      legend: { live: false },
      series: [{}, ...series.map((s, i) => ({ label: s, stroke: css(`--series-${i}`), width: 2, points: { show: false }, spanGaps: false }))],
    }, data, box.current);
    const resized = new ResizeObserver(() => box.current && plot.current.setSize({ width: box.current.clientWidth, height: 180 }));
    resized.observe(box.current);
    return () => { resized.disconnect(); plot.current.destroy(); };
  }, []);
  useEffect(() => { plot.current?.setData(data); }, [data]);
  return html`<figure class="chart" id=${id} data-points=${data[0].length}>
    <figcaption>${title}</figcaption>
    <div ref=${box} role="img" aria-label=${`${title}: ${describe(series, data, unit)}`}></div>
  </figure>`;
}

/** The chart's latest values in words (for screen readers, and its tooltip). */
function describe(series, data, unit = "") {
  const last = data[0].length - 1;
  if (last < 0) return "no data yet";
  return series.map((s, i) => `${s} ${round(data[i + 1][last])}${unit}`).join(", ") + " in the latest second";
}

const round = v => (v === null || v === undefined ? "n/a" : Math.round(v * 100) / 100);

/** A horizontal bar per entry (keys by type, commands by name): few bars read best without a chart library. */
function Bars({ id, title, entries, note }) {
  const max = Math.max(1, ...entries.map(([, n]) => n));
  return html`<figure class="bars" id=${id} data-bars=${entries.length}>
    <figcaption>${title}${note && html` <span class="muted">${note}</span>`}</figcaption>
    ${entries.length === 0 ? html`<p class="muted">None yet.</p>` : html`<dl>${entries.map(([name, n], i) => html`
      <div class="bar-row"><dt>${name}</dt><dd><span class="bar" style=${`width:${(n / max) * 100}%;background:var(--series-${i % 6})`}></span> ${n}</dd></div>`)}</dl>`}
  </figure>`;
}

export function Overview() {
  const [stats, setStats] = useState(null);
  const [statsError, setStatsError] = useState(null);
  const [error, setError] = useState(null);
  const [counts, setCounts] = useState({ t: [], keys: [], expired: [] });
  const [latest, setLatest] = useState(null);
  const [types, setTypes] = useState(null);

  const poll = async () => {
    try {
      const [dbsize, infoText] = (await pipeline([["DBSIZE"], ["INFO"]])).map(r => {
        if (r.error) throw new StoreError(r.error, 400);
        return r.result;
      });
      const i = info(infoText);
      const now = Math.floor(Date.now() / 1000);
      const expired = Number(i.expired_keys ?? 0);
      setLatest({ keys: dbsize, expired, commands: Number(i.total_commands_processed ?? 0), version: i.serverless_store_version ?? i.redis_version, uptime: Number(i.uptime_in_seconds ?? 0) });
      setCounts(c => ({ t: [...c.t, now].slice(-200), keys: [...c.keys, dbsize].slice(-200), expired: [...c.expired, expired].slice(-200) }));
      setError(null);
    } catch (e) {
      setError(e);
    }
    try {
      setStats(await get("/stats"));
      setStatsError(null);
    } catch (e) {
      setStatsError(e.status === 404 || /unknown command 'stats'/.test(e.message) ? new Error(`This store has no stats endpoint (GET <base>/stats answered ${e.message}): per-second charts need a newer store.`) : e);
    }
  };

  const sampleTypes = async () => {
    try {
      const [, keys] = await command(["SCAN", 0, "COUNT", SAMPLE]);
      const replies = keys.length ? await pipeline(keys.map(k => ["TYPE", k])) : [];
      const byType = {};
      for (const r of replies) if (r.result && r.result !== "none") byType[r.result] = (byType[r.result] ?? 0) + 1;
      setTypes({ sampled: keys.length, entries: Object.entries(byType).sort((a, b) => b[1] - a[1]) });
    } catch (e) {
      setError(e);
    }
  };

  useEffect(() => {
    let timer = null;
    const tick = async () => {
      if (document.visibilityState === "visible") await poll();
      timer = setTimeout(tick, POLL_MS);
    };
    tick();
    sampleTypes();
    const typesTimer = setInterval(() => document.visibilityState === "visible" && sampleTypes(), 30_000);
    return () => { clearTimeout(timer); clearInterval(typesTimer); };
  }, []);

  const seconds = stats?.seconds ?? [];
  const t = seconds.map(s => s.t);
  const top = Object.entries(stats?.commands ?? {}).sort((a, b) => b[1] - a[1]).slice(0, 10);
  return html`<section class="overview">
    <${Alert} error=${error} onClose=${() => setError(null)} />
    <div class="tiles">
      <div class="tile"><span class="label">Keys</span><span class="value" id="tile-keys">${latest?.keys ?? "…"}</span></div>
      <div class="tile"><span class="label">Expired keys (since start)</span><span class="value" id="tile-expired">${latest?.expired ?? "…"}</span></div>
      <div class="tile"><span class="label">Commands (since start)</span><span class="value">${latest?.commands ?? "…"}</span></div>
      <div class="tile"><span class="label">Uptime</span><span class="value">${latest ? `${Math.floor(latest.uptime / 60)} min` : "…"}</span></div>
    </div>
    <div class="charts">
      <${Chart} id="chart-keys" title="Key count (DBSIZE, since this page opened)" series=${["keys"]} data=${[counts.t, counts.keys]} />
      <${Chart} id="chart-expired" title="Expired keys (INFO stats, since this page opened)" series=${["expired_keys"]} data=${[counts.t, counts.expired]} />
      ${types && html`<${Bars} id="chart-types" title="Keys by type" note=${`(a sample of ${types.sampled} keys by SCAN)`} entries=${types.entries} />`}
    </div>
    <h2>Last five minutes</h2>
    <${Alert} error=${statsError} />
    ${stats && html`<div class="charts">
      <${Chart} id="chart-commands" title="Commands per second" series=${["commands", "errors"]} data=${[t, seconds.map(s => s.commands), seconds.map(s => s.errors)]} />
      <${Chart} id="chart-latency" title="Latency (ms, per second)" unit=" ms" series=${["p50", "p99"]} data=${[t, seconds.map(s => s.p50Ms), seconds.map(s => s.p99Ms)]} />
      ${stats.storageRequestsCounted
        ? html`<${Chart} id="chart-storage" title="Storage requests per command" series=${["requests / command"]}
            data=${[t, seconds.map(s => (s.storageRequests === null || !s.commands ? null : s.storageRequests / s.commands))]} />`
        : html`<p class="muted" id="chart-storage">This host does not count its storage requests.</p>`}
      <${Bars} id="chart-by-command" title="Commands by name" note="(last 300 s)" entries=${top} />
    </div>`}
  </section>`;
}

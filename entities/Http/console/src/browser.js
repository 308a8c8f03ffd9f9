// Browser: keys by SCAN (pattern, type filter, page by page), each with type, TTL and size from
// one pipeline, and a viewer/editor per type. Every change is an ordinary command, so a read-only
// token sees the same views without their edit controls.
import { useContext, useEffect, useState } from "preact/hooks";
import { html, Access, Alert, attempt, ReadOnlyNote } from "./ui.js";
import { command, pipeline, fromBase64, utf8 } from "./api.js";
import { hexDump, size, ttl } from "./format.js";

const TYPES = ["string", "hash", "list", "set", "zset", "stream"];
const PAGE = 50;

/** Sizes the way Redis can tell them: MEMORY USAGE when the store answers it, else the type's length command. */
const LENGTH = { string: "STRLEN", hash: "HLEN", list: "LLEN", set: "SCARD", zset: "ZCARD", stream: "XLEN" };

async function describeKeys(keys) {
  if (keys.length === 0) return [];
  const replies = await pipeline(keys.flatMap(k => [["TYPE", k], ["PTTL", k], ["MEMORY", "USAGE", k]]));
  return keys.map((key, i) => {
    const [type, pttl, memory] = replies.slice(i * 3, i * 3 + 3).map(r => r.result);
    return { key, type, pttl, bytes: memory };
  });
}

export function Browser() {
  const { access } = useContext(Access);
  const readOnly = access === "read-only";
  const [pattern, setPattern] = useState("*");
  const [type, setType] = useState("");
  const [keys, setKeys] = useState([]);
  const [cursor, setCursor] = useState(null); // null: not scanned yet; "0": done
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const [selected, setSelected] = useState(null);
  const [adding, setAdding] = useState(false);

  /** Scans from `from` until a page of keys is found or the keyspace ends (a MATCH may skip many). */
  const scan = async (from, previous) => {
    setBusy(true);
    await attempt(setError, async () => {
      let next = from;
      const found = [];
      for (let rounds = 0; rounds < 20 && found.length < PAGE; rounds++) {
        const args = ["SCAN", next, "MATCH", pattern || "*", "COUNT", PAGE];
        if (type) args.push("TYPE", type);
        const [c, batch] = await command(args);
        next = String(c);
        found.push(...batch);
        if (next === "0") break;
      }
      const described = await describeKeys(found);
      setKeys([...previous, ...described]);
      setCursor(next);
    });
    setBusy(false);
  };
  useEffect(() => { scan("0", []); }, []);

  const submit = e => {
    e.preventDefault();
    setSelected(null);
    scan("0", []);
  };
  const changed = (key, gone) => {
    // after an edit: refresh that row (or drop it), keep the rest
    if (gone) {
      setKeys(ks => ks.filter(k => k.key !== key));
      setSelected(null);
      return;
    }
    describeKeys([key]).then(([row]) => setKeys(ks => ks.some(k => k.key === key) ? ks.map(k => (k.key === key ? row : k)) : [row, ...ks]), setError);
  };

  return html`<section class="browser">
    <form class="toolbar" onSubmit=${submit} role="search">
      <label for="pattern">Pattern</label>
      <input id="pattern" value=${pattern} onInput=${e => setPattern(e.target.value)} placeholder="user:* (glob, as SCAN MATCH)" spellcheck="false" />
      <label for="type-filter">Type</label>
      <select id="type-filter" value=${type} onChange=${e => setType(e.target.value)}>
        <option value="">any</option>
        ${TYPES.map(t => html`<option value=${t}>${t}</option>`)}
      </select>
      <button id="scan" type="submit" disabled=${busy}>Scan</button>
      ${!readOnly && html`<button type="button" id="add-key" class="secondary" onClick=${() => { setAdding(true); setSelected(null); }}>Add key</button>`}
    </form>
    ${readOnly && html`<${ReadOnlyNote} />`}
    <${Alert} error=${error} onClose=${() => setError(null)} />
    <div class="split">
      <div class="keys">
        <table id="keys" aria-label="Keys">
          <thead><tr><th scope="col">Key</th><th scope="col">Type</th><th scope="col">TTL</th><th scope="col">Size</th></tr></thead>
          <tbody>
            ${keys.map(k => html`<tr key=${k.key} class=${selected === k.key ? "selected" : ""} data-key=${k.key}>
              <td><button type="button" class="link key" onClick=${() => { setSelected(k.key); setAdding(false); }}>${k.key}</button></td>
              <td><span class=${"type " + k.type}>${k.type}</span></td>
              <td>${ttl(k.pttl)}</td>
              <td>${size(k.bytes)}</td>
            </tr>`)}
          </tbody>
        </table>
        <p class="muted" id="scan-status" aria-live="polite">
          ${busy ? "Scanning…" : cursor === "0" ? `${keys.length} keys, the whole keyspace scanned` : cursor === null ? "" : `${keys.length} keys so far`}
        </p>
        ${cursor !== null && cursor !== "0" && html`<button id="load-more" type="button" disabled=${busy} onClick=${() => scan(cursor, keys)}>Load more</button>`}
      </div>
      <div class="detail">
        ${adding && !readOnly && html`<${AddKey} onDone=${key => { setAdding(false); if (key) { changed(key); setSelected(key); } }} />`}
        ${selected && html`<${KeyView} key=${selected} name=${selected} readOnly=${readOnly} onChanged=${changed} onRenamed=${(from, to) => { changed(from, true); changed(to); setSelected(to); }} />`}
        ${!adding && !selected && html`<p class="muted">Pick a key to see its value.</p>`}
      </div>
    </div>
  </section>`;
}

/** The first value of a new key, per type, as one command. */
function creation(type, key, a, b) {
  switch (type) {
    case "string": return ["SET", key, a];
    case "hash": return ["HSET", key, a, b];
    case "list": return ["RPUSH", key, a];
    case "set": return ["SADD", key, a];
    case "zset": return ["ZADD", key, b || "0", a];
    case "stream": return ["XADD", key, "*", a, b];
  }
}

const FIRST = {
  string: ["Value"], hash: ["Field", "Value"], list: ["Element"], set: ["Member"], zset: ["Member", "Score"], stream: ["Field", "Value"],
};

function AddKey({ onDone }) {
  const [type, setType] = useState("string");
  const [key, setKey] = useState("");
  const [a, setA] = useState("");
  const [b, setB] = useState("");
  const [error, setError] = useState(null);
  const submit = async e => {
    e.preventDefault();
    const ok = await attempt(setError, async () => {
      if (!key) throw new Error("A key needs a name");
      if (await command(["EXISTS", key])) throw new Error(`The key '${key}' exists already: pick it in the list to edit it`);
      await command(creation(type, key, a, b));
      return true;
    });
    if (ok) onDone(key);
  };
  return html`<form class="card" onSubmit=${submit} aria-labelledby="add-title">
    <h2 id="add-title">Add a key</h2>
    <${Alert} error=${error} />
    <p><label for="new-key">Key</label> <input id="new-key" value=${key} onInput=${e => setKey(e.target.value)} spellcheck="false" /></p>
    <p><label for="new-type">Type</label> <select id="new-type" value=${type} onChange=${e => setType(e.target.value)}>${TYPES.map(t => html`<option value=${t}>${t}</option>`)}</select></p>
    <p><label for="new-a">${FIRST[type][0]}</label> <input id="new-a" value=${a} onInput=${e => setA(e.target.value)} spellcheck="false" /></p>
    ${FIRST[type][1] && html`<p><label for="new-b">${FIRST[type][1]}</label> <input id="new-b" value=${b} onInput=${e => setB(e.target.value)} spellcheck="false" /></p>`}
    <button type="submit" id="create-key">Create</button> <button type="button" class="secondary" onClick=${() => onDone(null)}>Cancel</button>
  </form>`;
}

function KeyView({ name, readOnly, onChanged, onRenamed }) {
  const [meta, setMeta] = useState(null);
  const [error, setError] = useState(null);
  const [newName, setNewName] = useState(name);
  const [seconds, setSeconds] = useState("");
  const [version, setVersion] = useState(0);

  const load = () => attempt(setError, async () => {
    const [type, pttl] = (await pipeline([["TYPE", name], ["PTTL", name]])).map(r => r.result);
    setMeta({ type, pttl });
  });
  useEffect(() => { load(); }, [name, version]);

  const run = async (args, after) => {
    const done = await attempt(setError, async () => { await command(args); return true; });
    if (done) after?.();
  };
  const edited = () => { setVersion(v => v + 1); onChanged(name); };

  if (!meta) return html`<div class="card"><${Alert} error=${error} /><p class="muted">Loading ${name}…</p></div>`;
  if (meta.type === "none") return html`<div class="card"><p>The key <code>${name}</code> no longer exists.</p></div>`;
  const View = VIEWERS[meta.type] ?? (() => html`<p>No viewer for the type ${meta.type}.</p>`);
  return html`<article class="card" aria-labelledby="key-title" id="key-view" data-key=${name} data-type=${meta.type}>
    <h2 id="key-title"><code>${name}</code> <span class=${"type " + meta.type}>${meta.type}</span> <span class="muted" id="key-ttl">${ttl(meta.pttl)}</span></h2>
    <${Alert} error=${error} onClose=${() => setError(null)} />
    ${!readOnly && html`<div class="actions">
      <form onSubmit=${e => { e.preventDefault(); run(["RENAME", name, newName], () => onRenamed(name, newName)); }}>
        <label for="rename">Rename to</label> <input id="rename" value=${newName} onInput=${e => setNewName(e.target.value)} spellcheck="false" />
        <button type="submit" id="rename-key">Rename</button>
      </form>
      <form onSubmit=${e => { e.preventDefault(); run(["EXPIRE", name, seconds], edited); }}>
        <label for="ttl-seconds">TTL (seconds)</label> <input id="ttl-seconds" inputmode="numeric" size="8" value=${seconds} onInput=${e => setSeconds(e.target.value)} />
        <button type="submit" id="set-ttl">Set TTL</button>
        <button type="button" id="clear-ttl" class="secondary" onClick=${() => run(["PERSIST", name], edited)}>Clear TTL</button>
      </form>
      <button type="button" id="delete-key" class="danger" onClick=${() => confirm(`Delete the key '${name}'?`) && run(["DEL", name], () => onChanged(name, true))}>Delete</button>
    </div>`}
    <${View} name=${name} readOnly=${readOnly} onEdited=${edited} key=${version} />
  </article>`;
}

// --- strings ---------------------------------------------------------------------------------

function StringView({ name, readOnly, onEdited }) {
  const [bytes, setBytes] = useState(null);
  const [text, setText] = useState("");
  const [error, setError] = useState(null);
  useEffect(() => {
    attempt(setError, async () => {
      const value = await command(["GET", name], { base64: true });
      const b = value === "OK" ? new TextEncoder().encode("OK") : fromBase64(value ?? "");
      setBytes(b);
      setText(utf8(b) ?? "");
    });
  }, [name]);
  if (!bytes) return html`<${Alert} error=${error} />`;
  // Not UTF-8, or control characters other than tabs and line breaks: bytes, shown as hex.
  const decoded = utf8(bytes);
  const asText = decoded !== null && !/[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/.test(decoded) ? decoded : null;
  let shown, kind;
  if (asText === null) {
    kind = "binary";
    shown = hexDump(bytes);
  } else {
    try {
      const parsed = JSON.parse(asText);
      if (typeof parsed !== "object" || parsed === null) throw new Error();
      kind = "JSON";
      shown = JSON.stringify(parsed, null, 2);
    } catch {
      kind = "text";
      shown = asText;
    }
  }
  const save = async e => {
    e.preventDefault();
    if (await attempt(setError, () => command(["SET", name, text, "KEEPTTL"]))) onEdited();
  };
  return html`<div>
    <${Alert} error=${error} />
    <p class="muted"><span id="string-kind">${kind}</span>, ${bytes.length} bytes</p>
    <pre id="string-value" class="value" tabindex="0">${shown}</pre>
    ${!readOnly && asText !== null && html`<form onSubmit=${save}>
      <label for="string-edit">New value</label>
      <textarea id="string-edit" rows="5" value=${text} onInput=${e => setText(e.target.value)} spellcheck="false"></textarea>
      <button type="submit" id="string-save">Save</button> <span class="muted">(SET … KEEPTTL)</span>
    </form>`}
    ${!readOnly && asText === null && html`<p class="muted">Binary values are shown, not edited here: use the workbench (SET with "\\xNN" escapes).</p>`}
  </div>`;
}

// --- the collections: one paged table, each type saying how to load, edit and remove ----------

/**
 * A paged table of a collection. `load(position)` answers {rows, next} (next null at the end);
 * a row is {id, cells}; `edit` describes the form that adds or changes an item (clicking a row
 * fills it), `remove(row)` the command that removes one.
 */
function Collection({ name, readOnly, onEdited, columns, load, edit, remove, extra }) {
  const [rows, setRows] = useState([]);
  const [next, setNext] = useState(undefined);
  const [error, setError] = useState(null);
  const [form, setForm] = useState(edit ? edit.fields.map(() => "") : []);
  const more = async from => {
    await attempt(setError, async () => {
      const page = await load(from);
      setRows(r => [...(from === START ? [] : r), ...page.rows]);
      setNext(page.next);
    });
  };
  useEffect(() => { more(START); }, [name]);
  const run = async args => {
    if (await attempt(setError, () => command(args))) onEdited();
  };
  return html`<div>
    <${Alert} error=${error} onClose=${() => setError(null)} />
    ${extra}
    <table class="items" aria-label=${"Items of " + name}>
      <thead><tr>${columns.map(c => html`<th scope="col">${c}</th>`)}${!readOnly && remove && html`<th scope="col"><span class="sr-only">Actions</span></th>`}</tr></thead>
      <tbody>
        ${rows.map(row => html`<tr key=${row.id} tabindex=${edit && !readOnly ? 0 : undefined} title=${edit && !readOnly ? "Click or press Enter to edit this item below" : undefined}
          onClick=${() => edit && setForm(row.form ?? row.cells)} onKeyDown=${e => edit && e.key === "Enter" && e.target === e.currentTarget && setForm(row.form ?? row.cells)}>
          ${row.cells.map(c => html`<td><code>${c}</code></td>`)}
          ${!readOnly && remove && html`<td><button type="button" class="link danger" aria-label=${"Remove " + row.cells[0]} onClick=${e => { e.stopPropagation(); run(remove(row)); }}>Remove</button></td>`}
        </tr>`)}
      </tbody>
    </table>
    ${rows.length === 0 && next === null && html`<p class="muted">Empty.</p>`}
    ${next !== null && next !== undefined && html`<button type="button" class="load-items" onClick=${() => more(next)}>Load more</button>`}
    ${!readOnly && edit && html`<form class="edit" onSubmit=${e => { e.preventDefault(); run(edit.command(form)); }}>
      ${edit.fields.map((f, i) => html`<label for=${"edit-" + i}>${f}</label> <input id=${"edit-" + i} class="edit-field" value=${form[i]} onInput=${e => setForm(v => v.map((x, j) => (j === i ? e.target.value : x)))} spellcheck="false" /> `)}
      <button type="submit" id="edit-save">${edit.label}</button>
    </form>`}
  </div>`;
}

const START = "start";
const pairs = list => list.reduce((acc, x, i) => (i % 2 ? acc[acc.length - 1].push(x) : acc.push([x]), acc), []);
const scanned = (reply, map) => ({ rows: map(reply[1]), next: String(reply[0]) === "0" ? null : String(reply[0]) });

function HashView(props) {
  const { name } = props;
  return html`<${Collection} ...${props} columns=${["Field", "Value"]}
    load=${async from => scanned(await command(["HSCAN", name, from === START ? 0 : from, "COUNT", PAGE]), items => pairs(items).map(([f, v]) => ({ id: f, cells: [f, v] })))}
    edit=${{ fields: ["Field", "Value"], label: "Set field", command: ([f, v]) => ["HSET", name, f, v] }}
    remove=${row => ["HDEL", name, row.cells[0]]} />`;
}

function ListView(props) {
  const { name } = props;
  const load = async from => {
    const start = from === START ? 0 : from;
    const items = await command(["LRANGE", name, start, start + PAGE - 1]);
    return { rows: items.map((v, i) => ({ id: start + i, cells: [String(start + i), v] })), next: items.length < PAGE ? null : start + PAGE };
  };
  return html`<${Collection} ...${props} columns=${["Index", "Element"]} load=${load}
    edit=${{ fields: ["Index (empty: push at the tail)", "Element"], label: "Set element", command: ([i, v]) => (i === "" ? ["RPUSH", name, v] : ["LSET", name, i, v]) }}
    remove=${row => ["LREM", name, 1, row.cells[1]]} />`;
}

function SetView(props) {
  const { name } = props;
  return html`<${Collection} ...${props} columns=${["Member"]}
    load=${async from => scanned(await command(["SSCAN", name, from === START ? 0 : from, "COUNT", PAGE]), items => items.map(m => ({ id: m, cells: [m] })))}
    edit=${{ fields: ["Member"], label: "Add member", command: ([m]) => ["SADD", name, m] }}
    remove=${row => ["SREM", name, row.cells[0]]} />`;
}

function ZSetView(props) {
  const { name } = props;
  const load = async from => {
    const start = from === START ? 0 : from;
    const items = pairs(await command(["ZRANGE", name, start, start + PAGE - 1, "WITHSCORES"]));
    return { rows: items.map(([m, s]) => ({ id: m, cells: [m, String(s)] })), next: items.length < PAGE ? null : start + PAGE };
  };
  return html`<${Collection} ...${props} columns=${["Member", "Score"]} load=${load}
    edit=${{ fields: ["Member", "Score"], label: "Set score", command: ([m, s]) => ["ZADD", name, s, m] }}
    remove=${row => ["ZREM", name, row.cells[0]]} />`;
}

/** Redis's XINFO / XPENDING replies as [name, value, ...] lists: an object. */
const record = list => Object.fromEntries(pairs(list));

function StreamView(props) {
  const { name } = props;
  const [groups, setGroups] = useState(null);
  const [error, setError] = useState(null);
  useEffect(() => {
    attempt(setError, async () => {
      const list = (await command(["XINFO", "GROUPS", name])).map(record);
      const details = list.length === 0 ? [] : await pipeline(list.flatMap(g => [["XINFO", "CONSUMERS", name, g.name], ["XPENDING", name, g.name, "-", "+", 20]]));
      setGroups(list.map((g, i) => ({ ...g, consumers: (details[i * 2].result ?? []).map(record), entries: details[i * 2 + 1].result ?? [] })));
    });
  }, [name]);
  const load = async from => {
    const items = await command(["XRANGE", name, from === START ? "-" : "(" + from, "+", "COUNT", PAGE]);
    return {
      rows: items.map(([id, fields]) => ({ id, cells: [id, pairs(fields).map(([f, v]) => `${f}=${v}`).join("  ")], form: [pairs(fields)[0]?.[0] ?? "", pairs(fields)[0]?.[1] ?? ""] })),
      next: items.length < PAGE ? null : items[items.length - 1][0],
    };
  };
  const groupTable = groups && html`<section class="groups" aria-label="Consumer groups">
    <h3>Consumer groups</h3>
    <${Alert} error=${error} />
    ${groups.length === 0 ? html`<p class="muted">No consumer groups.</p>` : html`<table id="stream-groups">
      <thead><tr><th scope="col">Group</th><th scope="col">Last delivered</th><th scope="col">Pending</th><th scope="col">Consumers (pending, idle ms)</th><th scope="col">Pending entries (id, consumer, idle ms, deliveries)</th></tr></thead>
      <tbody>${groups.map(g => html`<tr data-group=${g.name}>
        <td><code>${g.name}</code></td><td><code>${g["last-delivered-id"]}</code></td><td>${g.pending}</td>
        <td>${g.consumers.map(c => html`<div><code>${c.name}</code> (${c.pending}, ${c.idle})</div>`)}</td>
        <td>${g.entries.length === 0 ? "none" : g.entries.map(p => html`<div><code>${p[0]}</code> ${p[1]} ${p[2]} ${p[3]}</div>`)}</td>
      </tr>`)}</tbody>
    </table>`}
  </section>`;
  return html`<${Collection} ...${props} columns=${["ID", "Fields"]} load=${load} extra=${groupTable}
    edit=${{ fields: ["Field", "Value"], label: "Add entry", command: ([f, v]) => ["XADD", name, "*", f, v] }}
    remove=${row => ["XDEL", name, row.cells[0]]} />`;
}

const VIEWERS = { string: StringView, hash: HashView, list: ListView, set: SetView, zset: ZSetView, stream: StreamView };

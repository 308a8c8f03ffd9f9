// Workbench: a command line like redis-cli's. History (up/down, kept for the session), Tab
// completes command names (COMMAND LIST), the syntax hint of the typed command comes from
// COMMAND DOCS, replies print as redis-cli prints them. Pipeline and transaction modes send
// several lines at once to <base>/pipeline or <base>/multi-exec.
import { useEffect, useRef, useState } from "preact/hooks";
import { html, Alert } from "./ui.js";
import { command, exchange } from "./api.js";
import { formatReply, isStatus, quote, splitArgs } from "./format.js";

const HISTORY = "serverless-store-console-history";
const MODES = [
  { id: "single", label: "Command" },
  { id: "pipeline", label: "Pipeline" },
  { id: "transaction", label: "Transaction (MULTI/EXEC)" },
];

let names = null; // COMMAND LIST, once per page
const docs = new Map(); // COMMAND DOCS per command, as asked

const record = list => Object.fromEntries(list.reduce((acc, x, i) => (i % 2 ? acc[acc.length - 1].push(x) : acc.push([x]), acc), []));

/** One argument of COMMAND DOCS as redis-cli's hints write it: key [key ...], [NX|XX], EX seconds. */
function argument(list) {
  const a = record(list);
  const flags = a.flags ?? [];
  let text;
  if (a.type === "oneof") text = a.arguments.map(argument).join("|");
  else if (a.type === "block") text = a.arguments.map(argument).join(" ");
  else if (a.type === "pure-token") text = a.token;
  else text = a.name;
  if (a.token && a.type !== "pure-token") text = `${a.token} ${text}`;
  if (flags.includes("multiple")) text = `${text} [${text} ...]`;
  if (flags.includes("optional")) text = `[${text}]`;
  return text;
}

async function hintFor(name) {
  const key = name.toLowerCase();
  if (!docs.has(key)) {
    const reply = await command(["COMMAND", "DOCS", key]);
    docs.set(key, reply.length < 2 ? null : record(reply[1]));
  }
  const doc = docs.get(key);
  if (!doc) return null;
  return { syntax: `${name.toUpperCase()} ${(doc.arguments ?? []).map(argument).join(" ")}`.trim(), summary: doc.summary };
}

/** The longest prefix every name shares. */
const common = list => list.reduce((p, n) => { while (!n.startsWith(p)) p = p.slice(0, -1); return p; }, list[0] ?? "");

export function Workbench() {
  const [mode, setMode] = useState("single");
  const [line, setLine] = useState("");
  const [output, setOutput] = useState([]);
  const [error, setError] = useState(null);
  const [hint, setHint] = useState(null);
  const [matches, setMatches] = useState([]);
  const [busy, setBusy] = useState(false);
  const history = useRef(JSON.parse(sessionStorage.getItem(HISTORY) ?? "[]"));
  const position = useRef(history.current.length);
  const input = useRef(null);
  const log = useRef(null);

  useEffect(() => {
    if (!names) command(["COMMAND", "LIST"]).then(list => (names = list.map(n => n.toLowerCase()).sort()), setError);
  }, []);
  useEffect(() => { log.current && (log.current.scrollTop = log.current.scrollHeight); }, [output]);

  // The hint follows the first word of the line being typed.
  const first = (mode === "single" ? line : line.split("\n").at(-1)).trimStart().split(/\s/)[0] ?? "";
  useEffect(() => {
    let current = true;
    if (!first || !names?.includes(first.toLowerCase())) { setHint(null); return; }
    hintFor(first).then(h => current && setHint(h), () => current && setHint(null));
    return () => { current = false; };
  }, [first]);

  const print = (text, kind = "reply") => setOutput(o => [...o, { text, kind }].slice(-500));

  const remember = text => {
    history.current = [...history.current.filter(h => h !== text), text].slice(-200);
    sessionStorage.setItem(HISTORY, JSON.stringify(history.current));
    position.current = history.current.length;
  };

  const run = async () => {
    const text = line.trim();
    if (!text) return;
    setError(null);
    setMatches([]);
    remember(text);
    setLine("");
    let commands;
    try {
      commands = (mode === "single" ? [text] : text.split("\n")).map(l => l.trim()).filter(Boolean).map(splitArgs);
    } catch (e) {
      print(e.message, "error");
      return;
    }
    for (const c of commands) print((mode === "single" ? "> " : "+ ") + c.map(a => (/[\s"'\\]|[^\x21-\x7e]/.test(a) || a === "" ? quote(new TextEncoder().encode(a)) : a)).join(" "), "command");
    setBusy(true);
    try {
      if (mode === "single") {
        const { status, answer } = await exchange("", commands[0], { base64: true });
        if (status === 401) setError(new Error(`401 Unauthorized: ${answer.error} (enter the store's token at the top of the page)`));
        print("error" in answer ? formatReply(answer) : formatReply(answer.result, isStatus(commands[0])));
      } else {
        const path = mode === "pipeline" ? "/pipeline" : "/multi-exec";
        const { status, answer } = await exchange(path, commands, { base64: true });
        if (status === 401) setError(new Error(`401 Unauthorized: ${answer.error} (enter the store's token at the top of the page)`));
        if (!Array.isArray(answer)) print(formatReply(answer));
        else if (mode === "pipeline") answer.forEach((a, i) => print("error" in a ? formatReply(a) : formatReply(a.result, isStatus(commands[i]))));
        else print(formatReply(answer.map(a => ("error" in a ? a : a.result))));
      }
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  const complete = () => {
    const word = first.toLowerCase();
    if (!names || !word) return;
    const found = names.filter(n => n.startsWith(word));
    setMatches(found.slice(0, 30));
    const prefix = found.length === 1 ? found[0] + " " : common(found);
    if (prefix.length > word.length) {
      const upper = first === first.toUpperCase();
      const rest = (upper ? prefix.toUpperCase() : prefix).slice(word.length);
      setLine(l => l.replace(/(\S*)$/, m => m + rest));
    }
  };

  const keys = e => {
    if (e.key === "Tab" && !e.shiftKey && first && !/\s/.test(line.split("\n").at(-1).trimStart())) {
      e.preventDefault();
      complete();
    } else if (e.key === "Enter" && (mode === "single" || e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      run();
    } else if (mode === "single" && (e.key === "ArrowUp" || e.key === "ArrowDown")) {
      e.preventDefault();
      const h = history.current;
      position.current = Math.max(0, Math.min(h.length, position.current + (e.key === "ArrowUp" ? -1 : 1)));
      setLine(h[position.current] ?? "");
    } else if (e.key === "Escape") {
      setMatches([]);
    }
  };

  const Field = mode === "single" ? "input" : "textarea";
  return html`<section class="workbench">
    <fieldset class="modes">
      <legend>Send as</legend>
      ${MODES.map(m => html`<label><input type="radio" name="mode" value=${m.id} checked=${mode === m.id} onChange=${() => setMode(m.id)} /> ${m.label}</label>`)}
    </fieldset>
    <${Alert} error=${error} onClose=${() => setError(null)} />
    <pre id="output" class="terminal" ref=${log} role="log" aria-live="polite" aria-label="Replies" tabindex="0">${output.map(o => html`<div class=${o.kind}>${o.text}</div>`)}</pre>
    <form class="prompt" onSubmit=${e => { e.preventDefault(); run(); }}>
      <label for="command">${mode === "single" ? "Command" : mode === "pipeline" ? "Commands, one a line (Ctrl+Enter sends them as one pipeline)" : "Commands, one a line (Ctrl+Enter runs them as one transaction)"}</label>
      <div class="line">
        <${Field} id="command" ref=${input} value=${line} rows=${mode === "single" ? undefined : 6} autocomplete="off" spellcheck="false"
          aria-describedby="hint" onInput=${e => { setLine(e.target.value); setMatches([]); }} onKeyDown=${keys}
          placeholder=${mode === "single" ? "SET greeting hello EX 300   (Tab completes, ↑/↓ history)" : "INCR counter\nGET counter"} />
        <button type="submit" id="run" disabled=${busy}>${mode === "single" ? "Run" : "Send"}</button>
        <button type="button" class="secondary" onClick=${() => setOutput([])}>Clear</button>
      </div>
      <p id="hint" class="hint" aria-live="polite">${hint ? html`<code>${hint.syntax}</code> <span class="muted">${hint.summary}</span>` : html`<span class="muted">Tab completes command names; the syntax of the command you type shows here.</span>`}</p>
      ${matches.length > 1 && html`<ul id="completions" class="completions" aria-label="Matching commands">${matches.map(m => html`<li>${m}</li>`)}</ul>`}
    </form>
  </section>`;
}

// The console's shell: the token form, the access it grants, and five views as keyboard-usable
// tabs (arrow keys move between them; the URL's #hash names the open one). Pub/sub and the
// overview load their libraries (SignalR, uPlot) the first time they are shown.
import "uplot/dist/uPlot.min.css";
import "./style.css";
import { render } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { html, Access, Alert } from "./ui.js";
import { base, getToken, setToken, probeAccess } from "./api.js";
import { Browser } from "./browser.js";
import { Workbench } from "./workbench.js";
import { Snapshots } from "./snapshots.js";

/** A view whose module loads the first time it is shown. */
function lazy(load) {
  let loaded = null;
  return function Lazy(props) {
    const [View, setView] = useState(() => loaded);
    const [error, setError] = useState(null);
    useEffect(() => {
      if (!View) load().then(v => setView(() => (loaded = v)), setError);
    }, []);
    if (error) return html`<${Alert} error=${"This view could not load: " + error.message} />`;
    return View ? html`<${View} ...${props} />` : html`<p class="muted">Loading…</p>`;
  };
}

const PubSub = lazy(() => import("./pubsub.js").then(m => m.PubSub));
const Overview = lazy(() => import("./overview.js").then(m => m.Overview));

const VIEWS = [
  { id: "browser", label: "Browser", view: Browser },
  { id: "workbench", label: "Workbench", view: Workbench },
  { id: "pubsub", label: "Pub/sub", view: PubSub },
  { id: "snapshots", label: "Snapshots", view: Snapshots },
  { id: "overview", label: "Overview", view: Overview },
];

const fromHash = () => VIEWS.find(v => "#" + v.id === location.hash)?.id ?? "browser";

function TokenForm({ onChange, access }) {
  const [value, setValue] = useState(getToken());
  const submit = e => {
    e.preventDefault();
    setToken(value.trim());
    onChange();
  };
  const forget = () => {
    setValue("");
    setToken("");
    onChange();
  };
  const label = { full: "full access", "read-only": "read-only", refused: "refused", unknown: "checking…" }[access.access];
  return html`<form class="token" onSubmit=${submit} autocomplete="off">
    <label for="token">Token</label>
    <input id="token" type="password" value=${value} onInput=${e => setValue(e.target.value)}
      placeholder="the store's token (none for a local store without one)" spellcheck="false" />
    <button id="token-save" type="submit">Use token</button>
    <button type="button" class="secondary" onClick=${forget}>Forget</button>
    <span id="access" class=${"badge " + access.access} data-access=${access.access}>${label}</span>
  </form>`;
}

function App() {
  const [view, setView] = useState(fromHash());
  const [access, setAccess] = useState({ access: "unknown" });
  const [generation, setGeneration] = useState(0); // bumps when the token changes: views reload
  const tabs = useRef([]);

  const checks = useRef(0);
  const check = async () => {
    const mine = ++checks.current;
    setAccess({ access: "unknown" });
    const found = await probeAccess();
    if (mine !== checks.current) return; // a newer token was entered meanwhile
    setAccess(found);
    setGeneration(g => g + 1);
  };
  useEffect(() => { check(); }, []);
  useEffect(() => {
    const changed = () => setView(fromHash());
    addEventListener("hashchange", changed);
    return () => removeEventListener("hashchange", changed);
  }, []);

  const open = id => {
    history.replaceState(null, "", "#" + id);
    setView(id);
  };
  const keys = (e, index) => {
    const move = { ArrowRight: 1, ArrowLeft: -1, Home: -index, End: VIEWS.length - 1 - index }[e.key];
    if (move === undefined) return;
    e.preventDefault();
    const next = (index + move + VIEWS.length) % VIEWS.length;
    open(VIEWS[next].id);
    tabs.current[next]?.focus();
  };

  const current = VIEWS.find(v => v.id === view);
  const View = current.view;
  return html`<${Access.Provider} value=${access}>
    <header>
      <h1>Serverless.Store <span class="muted">console</span></h1>
      <span class="muted base" title="the store's REST base">${base}</span>
      <${TokenForm} onChange=${check} access=${access} />
    </header>
    ${access.access === "refused" && html`<${Alert} error=${`The store refused this token for commands: ${access.error}. (A subscribe token works in the Pub/sub view only.)`} />`}
    <nav role="tablist" aria-label="Console views">
      ${VIEWS.map((v, i) => html`<button role="tab" id=${"tab-" + v.id} aria-selected=${v.id === view} aria-controls=${"panel-" + v.id}
        tabindex=${v.id === view ? 0 : -1} ref=${el => (tabs.current[i] = el)} onClick=${() => open(v.id)} onKeyDown=${e => keys(e, i)}>${v.label}</button>`)}
    </nav>
    <main role="tabpanel" id=${"panel-" + view} aria-labelledby=${"tab-" + view} tabindex="-1">
      <${View} key=${view + generation} />
    </main>
  </${Access.Provider}>`;
}

render(html`<${App} />`, document.getElementById("app"));

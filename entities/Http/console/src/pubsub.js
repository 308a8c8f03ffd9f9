// Pub/sub: the SignalR flow the store's other browser clients use. The client posts to
// <base>/negotiate with the token as a bearer header, follows the {url, accessToken} it gets (Azure
// SignalR Service, or the standalone host's in-process hub), and the page then asks the store to
// add its connection to channels and patterns (POST <base>/subscribe). SignalR rather than the
// server-sent-event routes: the connection is held by the SignalR service, not by a Functions
// instance (whose HTTP responses are cut after 230 s), and one connection takes any number of
// subscriptions, changed without reconnecting. This module (and the SignalR client) loads only
// when the view is first opened.
import { useContext, useEffect, useRef, useState } from "preact/hooks";
import { HubConnectionBuilder, LogLevel } from "@microsoft/signalr";
import { html, Access, Alert, attempt } from "./ui.js";
import { base, command, getToken, send } from "./api.js";

const names = text => text.split(",").map(s => s.trim()).filter(Boolean);
const KEEP = 500;

/** Whether the store has pub/sub: its subscribe route answers 404 with the setting to set when it has none. */
async function configured() {
  try {
    await send("/unsubscribe", { body: {} });
  } catch (e) {
    if (e.status === 404) return { configured: false, reason: e.message };
  }
  return { configured: true };
}

let connection = null; // one per page, kept while the view is closed

export function PubSub() {
  const { access } = useContext(Access);
  const [state, setState] = useState(connection?.connectionId ? "connected" : "disconnected");
  const [setup, setSetup] = useState(null);
  const [error, setError] = useState(null);
  const [channels, setChannels] = useState("");
  const [patterns, setPatterns] = useState("");
  const [subscribed, setSubscribed] = useState({ channels: [], patterns: [] });
  const [target, setTarget] = useState("");
  const [payload, setPayload] = useState("");
  const [receivers, setReceivers] = useState("-");
  const [messages, setMessages] = useState([]);
  const received = useRef(null);

  useEffect(() => { configured().then(setSetup); }, []);
  useEffect(() => { received.current = m => setMessages(list => [{ ...m, at: Date.now() }, ...list].slice(0, KEEP)); });

  const connect = () => attempt(setError, async () => {
    setState("connecting");
    connection = new HubConnectionBuilder()
      .withUrl(base, { accessTokenFactory: getToken })
      .configureLogging(LogLevel.None)
      .build();
    connection.on("message", m => received.current?.(m));
    connection.onclose(e => {
      setState(e ? "disconnected: " + e.message : "disconnected");
      setSubscribed({ channels: [], patterns: [] });
    });
    try {
      await connection.start();
    } catch (e) {
      setState("connect failed");
      throw new Error(`Connecting failed: ${e.message}`);
    }
    setState("connected");
  });

  const change = (path, verb) => attempt(setError, async () => {
    const body = { connectionId: connection.connectionId, channels: names(channels), patterns: names(patterns) };
    const action = verb.replace(/d$/, "");
    setState(action.replace(/e$/, "ing"));
    try {
      await send(path, { body });
    } catch (e) {
      setState(`${action} failed`);
      throw e;
    }
    setSubscribed(s => {
      const apply = (list, changed) => (verb === "subscribed" ? [...new Set([...list, ...changed])] : list.filter(x => !changed.includes(x)));
      return { channels: apply(s.channels, body.channels), patterns: apply(s.patterns, body.patterns) };
    });
    setState(verb);
  });

  const publish = e => {
    e.preventDefault();
    attempt(setError, async () => setReceivers(String(await command(["PUBLISH", target, payload]))));
  };

  if (setup && !setup.configured) {
    return html`<section class="pubsub"><div class="card" id="pubsub-not-configured">
      <h2>Pub/sub is not configured on this store</h2>
      <p>${setup.reason}</p>
      <p>Set <code>AzureSignalRConnectionString</code> in the app's settings to an Azure SignalR Service in Serverless mode
      (or Microsoft's local SignalR emulator), optionally <code>SignalRHub</code>, and <code>NotifyKeyspaceEvents</code> (e.g. <code>KEA</code>) for
      keyspace events. The standalone host uses its in-process hub when that setting is absent. See <code>docs/pubsub.md</code>.</p>
    </div></section>`;
  }
  const isConnected = state !== "connecting" && !!connection && connection.state === "Connected";
  const canPublish = access === "full";
  return html`<section class="pubsub">
    <${Alert} error=${error} onClose=${() => setError(null)} />
    ${access === "read-only" && html`<p class="note" data-testid="read-only-note">Read-only token: it cannot subscribe or publish (the store answers 403). Use the full-access token or a subscribe token.</p>`}
    <div class="split">
      <div>
        <fieldset>
          <legend>Connection</legend>
          <button id="connect" type="button" disabled=${isConnected || state === "connecting"} onClick=${connect}>Connect</button>
          <button id="disconnect" type="button" class="secondary" disabled=${!isConnected} onClick=${() => connection.stop()}>Disconnect</button>
          <p>Status: <span id="status" class=${/failed|disconnected:/.test(state) ? "error-text" : ""} role="status">${state}</span></p>
          <p class="muted">Connection id: <code id="connection-id">${isConnected ? connection.connectionId : "-"}</code></p>
        </fieldset>
        <fieldset>
          <legend>Subscriptions</legend>
          <p><label for="channels">Channels</label> <input id="channels" value=${channels} onInput=${e => setChannels(e.target.value)} placeholder="orders, alerts" spellcheck="false" /></p>
          <p><label for="patterns">Patterns</label> <input id="patterns" value=${patterns} onInput=${e => setPatterns(e.target.value)} placeholder="orders.*, __keyspace@0__:*" spellcheck="false" /></p>
          <button id="subscribe" type="button" disabled=${!isConnected} onClick=${() => change("/subscribe", "subscribed")}>Subscribe</button>
          <button id="unsubscribe" type="button" class="secondary" disabled=${!isConnected} onClick=${() => change("/unsubscribe", "unsubscribed")}>Unsubscribe</button>
          <p class="muted" id="subscribed">${subscribed.channels.length + subscribed.patterns.length === 0 ? "No subscriptions."
            : `Subscribed: ${[...subscribed.channels, ...subscribed.patterns.map(p => p + " (pattern)")].join(", ")}`}</p>
          <p class="muted">Keyspace events: the pattern <code>__keyspace@0__:*</code> (or <code>__keyevent@0__:*</code>) when the store runs with <code>NotifyKeyspaceEvents</code>.</p>
        </fieldset>
        <form onSubmit=${publish}>
          <fieldset disabled=${!canPublish}>
            <legend>Publish${canPublish ? "" : " (needs the full-access token)"}</legend>
            <p><label for="publish-channel">Channel</label> <input id="publish-channel" value=${target} onInput=${e => setTarget(e.target.value)} spellcheck="false" /></p>
            <p><label for="publish-message">Message</label> <input id="publish-message" value=${payload} onInput=${e => setPayload(e.target.value)} spellcheck="false" /></p>
            <button id="publish" type="submit">Publish</button> <span>Receivers: <code id="receivers">${receivers}</code></span>
          </fieldset>
        </form>
      </div>
      <div>
        <h2 id="messages-title">Messages <span class="muted">(newest first, last ${KEEP})</span></h2>
        <button type="button" class="secondary" onClick=${() => setMessages([])}>Clear</button>
        <ul id="messages" aria-labelledby="messages-title" aria-live="polite">
          ${messages.map(m => html`<li data-type=${m.type} data-channel=${m.channel} data-data=${m.data} data-pattern=${m.pattern} data-received-at=${m.at}>
            <time>${new Date(m.at).toLocaleTimeString()}</time> <span class="channel">${m.channel}</span>${m.pattern !== undefined && m.pattern !== null && html` <span class="muted">(${m.pattern})</span>`} <code>${m.data}</code>
          </li>`)}
        </ul>
      </div>
    </div>
  </section>`;
}

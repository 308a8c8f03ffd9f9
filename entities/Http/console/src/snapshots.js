// Snapshots: the RDB files in Blob Storage (GET <base>/snapshots), SAVE, download one (GET
// <base>/snapshots/<name> with the bearer header, saved through an object URL: a plain link could
// not carry the token), and restore one after a confirmation that says what the mode does.
import { useContext, useEffect, useRef, useState } from "preact/hooks";
import { html, Access, Alert, attempt } from "./ui.js";
import { command, get, send } from "./api.js";
import { size } from "./format.js";

const MODES = {
  replace: "Replace: the keyspace becomes the file. Every key that is not in the snapshot is deleted; keys in it take its values.",
  merge: "Merge: the snapshot's keys are written over the keys of the same name; keys that are not in the file stay as they are.",
};

export function Snapshots() {
  const { access } = useContext(Access);
  const full = access === "full";
  const [list, setList] = useState(null);
  const [error, setError] = useState(null);
  const [notice, setNotice] = useState("");
  const [busy, setBusy] = useState(false);
  const [restoring, setRestoring] = useState(null);
  const [mode, setMode] = useState("merge");
  const dialog = useRef(null);

  const load = () => attempt(setError, async () => setList(await get("/snapshots")));
  useEffect(() => { load(); }, []);
  useEffect(() => { restoring ? dialog.current?.showModal() : dialog.current?.close(); }, [restoring]);

  const save = async () => {
    setBusy(true);
    setNotice("");
    if (await attempt(setError, () => command(["SAVE"]))) {
      setNotice("Saved: a new snapshot is in the list.");
      await load();
    }
    setBusy(false);
  };

  const download = name => attempt(setError, async () => {
    const response = await send("/snapshots/" + encodeURIComponent(name), { method: "GET" });
    const url = URL.createObjectURL(await response.blob());
    const link = Object.assign(document.createElement("a"), { href: url, download: name.endsWith(".rdb") ? name : name + ".rdb" });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
  });

  const restore = async () => {
    const name = restoring;
    setRestoring(null);
    setBusy(true);
    setNotice("");
    const answer = await attempt(setError, async () =>
      (await (await send(`/restore?snapshot=${encodeURIComponent(name)}&mode=${mode}`)).json()).result);
    if (answer) setNotice(`Restored ${name} (${answer.mode}): ${answer.keys} keys written${answer.mode === "replace" ? `, ${answer.removed} removed` : ""}, in ${answer.ms} ms.`);
    setBusy(false);
  };

  return html`<section class="snapshots">
    <div class="toolbar">
      <button type="button" id="save" disabled=${!full || busy} onClick=${save}>Save now (SAVE)</button>
      <button type="button" class="secondary" onClick=${load}>Refresh</button>
      ${busy && html`<span class="muted" role="status">Working…</span>`}
    </div>
    ${!full && access !== "unknown" && html`<p class="note" data-testid="read-only-note">Snapshots, SAVE and restore need the store's full-access token.</p>`}
    <${Alert} error=${error} onClose=${() => setError(null)} />
    ${notice && html`<p class="notice" role="status" id="snapshot-notice">${notice}</p>`}
    ${list && list.length === 0 && html`<p class="muted">No snapshots yet: SAVE writes one (and the snapshot timer does, on its schedule).</p>`}
    ${list && list.length > 0 && html`<table id="snapshots" aria-label="Snapshots">
      <thead><tr><th scope="col">Name</th><th scope="col">Taken</th><th scope="col">Keys</th><th scope="col">Size</th><th scope="col">Took</th><th scope="col">RDB</th><th scope="col">CRC-64</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
      <tbody>${list.map(s => html`<tr data-name=${s.name}>
        <td><code>${s.name}</code>${s.latest && html` <span class="badge full">latest</span>`}</td>
        <td>${new Date(s.createdMs).toLocaleString()}</td>
        <td>${s.keys}</td>
        <td>${size(s.bytes)}</td>
        <td>${s.durationMs} ms</td>
        <td>${s.rdbVersion}</td>
        <td><code>${s.crc64}</code></td>
        <td class="row-actions">
          <button type="button" class="link download" onClick=${() => download(s.name)} aria-label=${"Download " + s.name}>Download</button>
          ${full && html`<button type="button" class="link restore" onClick=${() => setRestoring(s.name)} aria-label=${"Restore " + s.name}>Restore…</button>`}
        </td>
      </tr>`)}</tbody>
    </table>`}
    <dialog ref=${dialog} id="restore-dialog" aria-labelledby="restore-title" onClose=${() => setRestoring(null)}>
      <form method="dialog" onSubmit=${e => { e.preventDefault(); restore(); }}>
        <h2 id="restore-title">Restore <code>${restoring}</code>?</h2>
        <fieldset>
          <legend>How</legend>
          ${Object.entries(MODES).map(([id, text]) => html`<label class="choice"><input type="radio" name="restore-mode" value=${id} checked=${mode === id} onChange=${() => setMode(id)} /> ${text}</label>`)}
        </fieldset>
        <p>A restore cannot be undone: SAVE first to keep what is there now.</p>
        <button type="submit" id="restore-confirm" class="danger">Restore (${mode})</button>
        <button type="button" class="secondary" onClick=${() => setRestoring(null)}>Cancel</button>
      </form>
    </dialog>
  </section>`;
}

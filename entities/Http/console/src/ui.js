// What every view shares: preact through htm (no build-time JSX), the error message and the
// "who am I" context (the token's access).
import { h, createContext } from "preact";
import htm from "htm";

export const html = htm.bind(h);

/** {access: "full" | "read-only" | "refused" | "unknown", error?} for the token in use. */
export const Access = createContext({ access: "unknown" });

/** An error the person must see: a live region, so screen readers announce it too. */
export function Alert({ error, onClose }) {
  if (!error) return null;
  const message = typeof error === "string" ? error : error.message;
  return html`<div class="alert" role="alert">
    <span>${message}</span>
    ${onClose && html`<button type="button" class="link" onClick=${onClose} aria-label="Dismiss the message">×</button>`}
  </div>`;
}

/** Runs an async action, sending its failure to setError (never swallowed). */
export async function attempt(setError, action) {
  try {
    setError(null);
    return await action();
  } catch (e) {
    setError(e);
    return undefined;
  }
}

/** A note shown instead of edit controls to a read-only token. */
export function ReadOnlyNote() {
  return html`<p class="note" data-testid="read-only-note">Read-only token: this view shows data only. Changes need the store's full-access token (the store refuses writes from this one with NOPERM).</p>`;
}

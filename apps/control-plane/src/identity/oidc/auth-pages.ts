// The few HTML pages a browser sees during a login. No scripts, no external resources.

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)} · Airlock</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font-family:system-ui,sans-serif;max-width:34rem;margin:4rem auto;padding:0 1rem;line-height:1.5}code,input{font-family:ui-monospace,monospace}input{font-size:1.4rem;letter-spacing:.1em;width:12rem}</style>
</head><body><h1>${escapeHtml(title)}</h1>${body}</body></html>`;
}

export function loggedInPage(
  user: { name: string; role: string },
  groups: string[],
  next: string,
): string {
  const list =
    groups.length === 0 ? "none" : groups.map((g) => `<code>${escapeHtml(g)}</code>`).join(", ");
  return page(
    "Logged in to Airlock",
    `<p>You are <strong>${escapeHtml(user.name)}</strong> (role <code>${escapeHtml(user.role)}</code>).</p>
<p>Groups: ${list}.</p><p>${escapeHtml(next)}</p>`,
  );
}

export function errorPage(message: string): string {
  return page("Airlock login failed", `<p>${escapeHtml(message)}</p>`);
}

export function devicePage(error?: string): string {
  return page(
    "Log in a device to Airlock",
    `${error === undefined ? "" : `<p><strong>${escapeHtml(error)}</strong></p>`}
<p>Enter the code that <code>airlock login --no-browser</code> printed.</p>
<form method="get" action="login"><input name="user_code" placeholder="ABCD-EFGH" autocomplete="off" autofocus required>
<button type="submit">Continue</button></form>`,
  );
}

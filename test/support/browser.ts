// A minimal browser for end-to-end tests of browser logins: a cookie jar, fetch with
// redirects followed by hand (so each hop's cookies are stored and sent, and a test can
// stop before a hop, e.g. before the redirect to the CLI's loopback URL), and form posts.
//
//   const browser = new TestBrowser();
//   const page = await loginAtIdp(browser, `${airlock}/auth/login`, "alice", "pw");
//   expect(page.status).toBe(200);
//
// Like a real browser, cookies are scoped by host and path but not by port: the IdP and
// Airlock on the same host share the jar (use "localhost" for one and "127.0.0.1" for the
// other to keep them apart). SameSite is not enforced.

import { CookieJar } from "tough-cookie";

export interface BrowserPage {
  url: string;
  status: number;
  body: string;
  headers: Headers;
  /** The redirect target not fetched, when stopAt stopped the navigation. */
  stoppedAt?: string;
}

export interface NavigateOptions {
  /** Called with each redirect target; true stops there, without fetching it. */
  stopAt?: (url: URL) => boolean;
}

const MAX_REDIRECTS = 20;

export class TestBrowser {
  /** Every URL fetched, in order (redirect hops included, a stoppedAt target not). */
  visits: string[] = [];
  readonly jar = new CookieJar();

  /** GET url and follow redirects until a non-redirect response, or until a redirect points at a URL for which stopAt(url) is true (then returns without fetching it). */
  async open(url: string, opts?: NavigateOptions): Promise<BrowserPage> {
    return this.navigate({ url, method: "GET" }, opts);
  }

  /** Submit the first <form> of page (method/action from the form, resolved against page.url) with these field values (urlencoded), following redirects the same way. */
  async submit(
    page: BrowserPage,
    fields: Record<string, string>,
    opts?: NavigateOptions,
  ): Promise<BrowserPage> {
    const form = parseFirstForm(page.body);
    if (form === undefined) {
      throw new Error(
        `no <form> on ${page.url} (status ${page.status}): ${page.body.slice(0, 500)}`,
      );
    }
    const action = new URL(form.action ?? page.url, page.url);
    const data = new URLSearchParams({ ...form.defaults, ...fields });
    if (form.method === "GET") {
      action.search = data.toString();
      return this.navigate({ url: action.href, method: "GET" }, opts);
    }
    return this.navigate({ url: action.href, method: "POST", body: data.toString() }, opts);
  }

  /** Cookie header value for url. */
  async cookies(url: string): Promise<string> {
    return this.jar.getCookieString(url);
  }

  private async navigate(
    first: { url: string; method: string; body?: string },
    opts?: NavigateOptions,
  ): Promise<BrowserPage> {
    let request = first;
    for (let hop = 0; ; hop++) {
      const res = await this.fetchOnce(request);
      const location = res.headers.get("location");
      const page: BrowserPage = {
        url: request.url,
        status: res.status,
        body: await res.text(),
        headers: res.headers,
      };
      if (!isRedirect(res.status) || location === null) return page;
      if (hop >= MAX_REDIRECTS) {
        throw new Error(
          `more than ${MAX_REDIRECTS} redirects: ${this.visits.slice(-5).join(" -> ")}`,
        );
      }
      const target = new URL(location, request.url);
      if (opts?.stopAt?.(target) === true) return { ...page, stoppedAt: target.href };
      // 307/308 repeat the request; 301/302/303 become a GET (as browsers do).
      request =
        res.status === 307 || res.status === 308
          ? { ...request, url: target.href }
          : { url: target.href, method: "GET" };
    }
  }

  private async fetchOnce(request: {
    url: string;
    method: string;
    body?: string;
  }): Promise<Response> {
    this.visits.push(request.url);
    const headers: Record<string, string> = {
      accept: "text/html,application/json;q=0.9,*/*;q=0.8",
    };
    const cookie = await this.jar.getCookieString(request.url);
    if (cookie !== "") headers["cookie"] = cookie;
    if (request.body !== undefined) headers["content-type"] = "application/x-www-form-urlencoded";
    const res = await fetch(request.url, {
      method: request.method,
      headers,
      body: request.body ?? null,
      redirect: "manual",
    });
    for (const setCookie of res.headers.getSetCookie()) {
      await this.jar.setCookie(setCookie, request.url, { ignoreError: true });
    }
    return res;
  }
}

/**
 * Opens startUrl (which should lead to the IdP's login form), signs in with login and
 * password, and follows the redirects back; returns the final page (or the page that
 * stopAt stopped on).
 */
export async function loginAtIdp(
  browser: TestBrowser,
  startUrl: string,
  login: string,
  password: string,
  opts?: NavigateOptions,
): Promise<BrowserPage> {
  const loginPage = await browser.open(startUrl, opts);
  if (loginPage.stoppedAt !== undefined || !/<input[^>]*name="password"/i.test(loginPage.body)) {
    throw new Error(
      `expected the IdP login form at the end of ${startUrl}, got ${loginPage.status} ${loginPage.url}` +
        (loginPage.stoppedAt === undefined ? "" : ` (stopped before ${loginPage.stoppedAt})`) +
        `: ${loginPage.body.slice(0, 500)}`,
    );
  }
  return browser.submit(loginPage, { login, password }, opts);
}

function isRedirect(status: number): boolean {
  return status === 301 || status === 302 || status === 303 || status === 307 || status === 308;
}

interface ParsedForm {
  method: "GET" | "POST";
  action: string | undefined;
  /** Named inputs with their value attributes (hidden fields, defaults), as a browser sends them. */
  defaults: Record<string, string>;
}

function parseFirstForm(html: string): ParsedForm | undefined {
  const open = /<form\b([^>]*)>/i.exec(html);
  if (open === null) return undefined;
  const attrs = parseAttributes(open[1]!);
  const start = open.index + open[0].length;
  const end = html.toLowerCase().indexOf("</form>", start);
  const inner = html.slice(start, end === -1 ? undefined : end);
  const defaults: Record<string, string> = {};
  for (const input of inner.matchAll(/<input\b([^>]*)>/gi)) {
    const a = parseAttributes(input[1]!);
    const name = a["name"];
    const type = (a["type"] ?? "text").toLowerCase();
    if (name === undefined || ["submit", "button", "image", "reset", "file"].includes(type))
      continue;
    if ((type === "checkbox" || type === "radio") && !("checked" in a)) continue;
    defaults[name] = a["value"] ?? (type === "checkbox" || type === "radio" ? "on" : "");
  }
  return {
    method: (attrs["method"] ?? "get").toUpperCase() === "POST" ? "POST" : "GET",
    action: attrs["action"] === undefined || attrs["action"] === "" ? undefined : attrs["action"],
    defaults,
  };
}

function parseAttributes(s: string): Record<string, string> {
  const attrs: Record<string, string> = {};
  for (const m of s.matchAll(/([^\s=/>"']+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>"']+)))?/g)) {
    attrs[m[1]!.toLowerCase()] = decodeEntities(m[2] ?? m[3] ?? m[4] ?? "");
  }
  return attrs;
}

function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#[0-9]+|amp|lt|gt|quot|apos);/gi, (_, e: string) => {
    const lower = e.toLowerCase();
    if (lower.startsWith("#x")) return String.fromCodePoint(parseInt(lower.slice(2), 16));
    if (lower.startsWith("#")) return String.fromCodePoint(parseInt(lower.slice(1), 10));
    return { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" }[lower] ?? `&${e};`;
  });
}

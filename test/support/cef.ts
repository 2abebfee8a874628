// A strict reader of one CEF line (ArcSight CEF: `CEF:Version|Device Vendor|Device Product|
// Device Version|Signature ID|Name|Severity|Extension`), written from the spec independently
// of the exporter, so the tests check the exporter's escaping rather than repeat it.

export interface CefRecord {
  version: string;
  vendor: string;
  product: string;
  productVersion: string;
  signatureId: string;
  name: string;
  severity: string;
  extension: Record<string, string>;
}

/** Header: `\|` and `\\` are the only escapes; a raw line break is not allowed. */
function splitHeader(line: string): { fields: string[]; rest: string } {
  const fields: string[] = [];
  let current = "";
  for (let i = 0; i < line.length; i++) {
    const ch = line[i] as string;
    if (ch === "\n" || ch === "\r") throw new Error(`raw line break at ${i}`);
    if (ch === "\\") {
      const next = line[i + 1];
      if (next !== "\\" && next !== "|") throw new Error(`bad header escape \\${next} at ${i}`);
      current += next;
      i++;
    } else if (ch === "|") {
      fields.push(current);
      current = "";
      if (fields.length === 7) return { fields, rest: line.slice(i + 1) };
    } else {
      current += ch;
    }
  }
  throw new Error(`expected 7 header fields, got ${fields.length}`);
}

function unescapeValue(raw: string, at: number): string {
  let out = "";
  for (let i = 0; i < raw.length; i++) {
    const ch = raw[i] as string;
    if (ch !== "\\") {
      out += ch;
      continue;
    }
    const next = raw[i + 1];
    if (next === "\\" || next === "=") out += next;
    else if (next === "n") out += "\n";
    else if (next === "r") out += "\r";
    else throw new Error(`bad extension escape \\${next} near ${at + i}`);
    i++;
  }
  return out;
}

/** Extension: `key=value` pairs separated by spaces; `=` and `\` escaped in values. */
function parseExtension(ext: string): Record<string, string> {
  if (/[\r\n]/.test(ext)) throw new Error("raw line break in the extension");
  const equals: number[] = [];
  for (let i = 0; i < ext.length; i++) {
    if (ext[i] === "\\") i++;
    else if (ext[i] === "=") equals.push(i);
  }
  const out: Record<string, string> = {};
  const keyStart = (eq: number): number => ext.lastIndexOf(" ", eq - 1) + 1;
  equals.forEach((eq, n) => {
    const start = keyStart(eq);
    const key = ext.slice(start, eq);
    if (!/^[A-Za-z0-9_]+$/.test(key)) throw new Error(`bad extension key "${key}"`);
    if (key in out) throw new Error(`duplicate extension key "${key}"`);
    const nextEq = equals[n + 1];
    const end = nextEq === undefined ? ext.length : keyStart(nextEq) - 1;
    out[key] = unescapeValue(ext.slice(eq + 1, end), eq + 1);
  });
  return out;
}

export function parseCef(line: string): CefRecord {
  const { fields, rest } = splitHeader(line);
  const [version, vendor, product, productVersion, signatureId, name, severity] = fields as [
    string,
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  if (version !== "CEF:0") throw new Error(`not CEF:0: ${version}`);
  if (!/^([0-9]|10)$/.test(severity)) throw new Error(`bad severity ${severity}`);
  return {
    version,
    vendor,
    product,
    productVersion,
    signatureId,
    name,
    severity,
    extension: parseExtension(rest),
  };
}

import { describe, expect, it } from "vitest";
import { saslprep } from "../../src/engines/postgres/saslprep";
import { ScramError, ScramSha256Client, saltPassword } from "../../src/engines/postgres/scram";

// RFC 7677 section 3: user "user", password "pencil".
const CLIENT_NONCE = "rOprNGfwEbeRWgbNEkqO";
const SERVER_FIRST =
  "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
const CLIENT_FINAL =
  "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
const SERVER_FINAL = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";

async function rfcClientUpToFinal(): Promise<{ client: ScramSha256Client; final: string }> {
  const client = new ScramSha256Client("pencil", { nonce: CLIENT_NONCE, username: "user" });
  expect(client.clientFirstMessage()).toBe(`n,,n=user,r=${CLIENT_NONCE}`);
  const { salt, iterations } = client.receiveServerFirst(SERVER_FIRST);
  expect(iterations).toBe(4096);
  const final = client.clientFinalMessage(await saltPassword(client.password, salt, iterations));
  return { client, final };
}

describe("SCRAM-SHA-256 client", () => {
  it("produces the RFC 7677 client-final-message and accepts the RFC's server signature", async () => {
    const { client, final } = await rfcClientUpToFinal();
    expect(final).toBe(CLIENT_FINAL);
    expect(() => client.verifyServerFinal(SERVER_FINAL)).not.toThrow();
  });

  it("refuses a server signature that does not match (fail closed)", async () => {
    const { client } = await rfcClientUpToFinal();
    const forged = "v=" + Buffer.alloc(32, 7).toString("base64");
    expect(() => client.verifyServerFinal(forged)).toThrow(/signature is wrong/);
  });

  it("refuses a server-final-message without a verifier, or with an error", async () => {
    const a = await rfcClientUpToFinal();
    expect(() => a.client.verifyServerFinal("x=1")).toThrow(ScramError);
    const b = await rfcClientUpToFinal();
    expect(() => b.client.verifyServerFinal("e=invalid-proof")).toThrow(/invalid-proof/);
  });

  it("sends Postgres' form by default: empty username, a fresh 24-character nonce", () => {
    const first = new ScramSha256Client("pencil").clientFirstMessage();
    expect(first).toMatch(/^n,,n=,r=[A-Za-z0-9+/]{24}$/);
    expect(first).not.toBe(new ScramSha256Client("pencil").clientFirstMessage());
  });

  it("refuses a server nonce that does not extend the client's", () => {
    const client = new ScramSha256Client("pencil", { nonce: CLIENT_NONCE });
    client.clientFirstMessage();
    expect(() =>
      client.receiveServerFirst("r=somethingElse,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"),
    ).toThrow(/nonce/);
    const same = new ScramSha256Client("pencil", { nonce: CLIENT_NONCE });
    same.clientFirstMessage();
    expect(() =>
      same.receiveServerFirst(`r=${CLIENT_NONCE},s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096`),
    ).toThrow(/nonce/);
  });

  it.each([
    ["no salt", `r=${CLIENT_NONCE}x,i=4096`],
    ["zero iterations", `r=${CLIENT_NONCE}x,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=0`],
    ["absurd iterations", `r=${CLIENT_NONCE}x,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=99999999999`],
    ["non-numeric iterations", `r=${CLIENT_NONCE}x,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4k`],
    ["garbage", "hello"],
  ])("refuses a server-first-message with %s", (_name, message) => {
    const client = new ScramSha256Client("pencil", { nonce: CLIENT_NONCE });
    client.clientFirstMessage();
    expect(() => client.receiveServerFirst(message)).toThrow(ScramError);
  });

  it("refuses steps out of order", () => {
    const client = new ScramSha256Client("pencil");
    expect(() => client.receiveServerFirst(SERVER_FIRST)).toThrow(/out of order/);
    expect(() => client.verifyServerFinal(SERVER_FINAL)).toThrow(/out of order/);
  });
});

describe("SASLprep of SCRAM passwords", () => {
  it.each([
    ["printable ASCII is itself", "pencil P@ss w0rd!", "pencil P@ss w0rd!"],
    ["non-ASCII spaces become spaces", "a\u00a0b\u3000c", "a b c"],
    ["soft hyphens and zero-width joiners vanish", "pa\u00adss\u200dword", "password"],
    ["NFKC applies (ligature, full-width)", "\ufb01\uff21", "fiA"],
    ["a prohibited character keeps the password as given", "pass\u0007word", "pass\u0007word"],
    ["mixed right-to-left and left-to-right keeps it as given", "\u05d0abc", "\u05d0abc"],
    ["right-to-left alone is normalised", "\u05d0\u05d1", "\u05d0\u05d1"],
  ])("%s", (_name, input, output) => {
    expect(saslprep(input)).toBe(output);
  });
});

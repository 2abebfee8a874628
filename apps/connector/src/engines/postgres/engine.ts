// The "postgres" engine: connects to the target (TLS per sslmode), logs in with
// the connection's user, database and credential plus the client's startup
// parameters, and from AuthenticationOk on relays every backend byte: unchanged
// and unparsed when the session has no mask rules, through the masking stage
// when it has (docs/design/0007-masking.md). The real BackendKeyData stays
// here, for cancel(); the control plane hands the client a key of its own.

import type { OpenTargetRequest, TargetEngine } from "../engine";
import { sendCancelRequest } from "./cancel";
import { PostgresConnection } from "./connection";
import { login } from "./login";
import { Catalog } from "./masking/catalog";
import { openCatalogConnection } from "./masking/catalog-connection";
import { maskerFor } from "./masking/masker-config";
import { readTarget, startupParameters } from "./options";

export interface PostgresEngineOptions {
  /** How long the TCP connect, TLS handshake and login may take together. */
  readonly connectTimeoutMs: number;
  /** How long one cancel connection may take. */
  readonly cancelTimeoutMs: number;
  /** How long a masking catalog query may take (the side connection's login: connectTimeoutMs). */
  readonly catalogTimeoutMs: number;
}

const DEFAULT_OPTIONS: PostgresEngineOptions = {
  connectTimeoutMs: 10_000,
  cancelTimeoutMs: 5_000,
  catalogTimeoutMs: 10_000,
};

export class PostgresEngine implements TargetEngine {
  readonly name = "postgres";
  private readonly options: PostgresEngineOptions;

  constructor(options: Partial<PostgresEngineOptions> = {}) {
    this.options = { ...DEFAULT_OPTIONS, ...options };
  }

  async open(request: OpenTargetRequest): Promise<PostgresConnection> {
    const { spec, credential, log, signal } = request;
    const target = readTarget(spec);
    const parameters = startupParameters(spec, request.startupParameters);
    // Rules that cannot be applied refuse the session before anything is dialled.
    const rules = maskerFor(request.mask);
    const { connectTimeoutMs, cancelTimeoutMs, catalogTimeoutMs } = this.options;
    const { transport, chunks, reader, authenticationOk } = await login({
      target,
      parameters,
      credential,
      signal,
      timeoutMs: connectTimeoutMs,
      log,
    });
    log.debug(
      { encrypted: transport.encrypted, masking: rules.masker.active },
      "logged in to the target",
    );
    // The catalog's side connection is opened on first need, with the same login.
    const masking = rules.masker.active
      ? {
          rules,
          catalog: new Catalog(() =>
            openCatalogConnection({
              target,
              parameters,
              credential,
              signal,
              timeoutMs: connectTimeoutMs,
              queryTimeoutMs: catalogTimeoutMs,
              log,
            }),
          ),
        }
      : undefined;
    return new PostgresConnection(
      transport,
      chunks,
      reader,
      authenticationOk,
      (key) => sendCancelRequest(target, key, cancelTimeoutMs),
      log,
      masking,
    );
  }
}

import type { Target } from "../config/target";
import { type CliContext, connect } from "../context";
import { CliError } from "../errors";
import type { AirlockApi } from "../http/airlock-api";
import type { Credentials } from "../http/api-client";
import { ApiError } from "../http/errors";
import type { Connection } from "../http/schemas";
import { quoted } from "./shared";

/** What `connect` and `exec` learn before they open a local port. */
export interface Preflight {
  readonly target: Target;
  /** Where the gRPC calls take their Bearer from (a login refreshes it as needed). */
  readonly credentials: Credentials;
  /** The Airlock user name: psql's `user=` (the control plane ignores it; it is for people). */
  readonly userName: string;
  /** The connection's name as the control plane spells it (the argument may be an id). */
  readonly connection: string;
  readonly protocol: string;
}

/** The protocols the local listener can carry today. */
const SUPPORTED = ["postgres"];

/**
 * Checks the credential (whoami, which also gives the user name) and that the connection
 * exists. Reading a connection is admin-only: for anyone else a 403 skips the check, and the
 * control plane answers for a missing connection when psql connects.
 */
export async function preflight(
  ctx: CliContext,
  profileFlag: string | undefined,
  connectionArg: string,
): Promise<Preflight> {
  const { api, target, credentials } = connect(ctx, profileFlag);
  const [me, connection] = await Promise.all([
    api.whoami(),
    findConnection(api, target, connectionArg),
  ]);
  const protocol = connection?.type ?? "postgres";
  if (!SUPPORTED.includes(protocol)) {
    throw new CliError(
      `connection ${quoted(connection?.name ?? connectionArg)} is a ${protocol} connection; ` +
        `this command supports ${SUPPORTED.join(", ")} connections only`,
    );
  }
  return {
    target,
    credentials,
    userName: me.user.name,
    connection: connection?.name ?? connectionArg,
    protocol,
  };
}

async function findConnection(
  api: AirlockApi,
  target: Target,
  name: string,
): Promise<Connection | undefined> {
  try {
    return await api.getConnection(name);
  } catch (error) {
    if (error instanceof ApiError && error.status === 403) return undefined;
    if (error instanceof ApiError && error.status === 404) {
      throw new CliError(
        `there is no connection ${quoted(name)} on the control plane at ${target.url}; ` +
          "check the name (an admin can list them: airlock admin connections list)",
      );
    }
    throw error;
  }
}

import { Command, Help } from "commander";
import { registerAdminAuditSinks } from "./commands/admin-audit-sinks";
import { registerAdminConnections } from "./commands/admin-connections";
import { registerAdminConnectors } from "./commands/admin-connectors";
import { registerAdminUsers } from "./commands/admin-users";
import { registerAdminWebhooks } from "./commands/admin-webhooks";
import { registerApiKeys } from "./commands/api-keys";
import { registerAudit } from "./commands/audit";
import { registerCompliance } from "./commands/compliance";
import { registerConnect } from "./commands/connect";
import { registerExec } from "./commands/exec";
import { registerGrants } from "./commands/grants";
import { registerLogin } from "./commands/login";
import { registerPolicy } from "./commands/policy";
import { registerRequest } from "./commands/request";
import { registerReviews } from "./commands/reviews";
import { registerSessions } from "./commands/sessions";
import { registerWhoami } from "./commands/whoami";
import type { CliContext } from "./context";

const ENVIRONMENT_HELP = `
Environment (for agents and CI; these take precedence over the config file):
  AIRLOCK_URL            control plane URL
  AIRLOCK_API_KEY        API key (used instead of the profile's login or key)
  AIRLOCK_PROFILE        profile to use when --profile is not given
  AIRLOCK_GRPC_ADDRESS   control plane gRPC address host:port, for connect and exec
  AIRLOCK_GRPC_INSECURE  true: plaintext gRPC; false: TLS (default: the profile's choice)
  AIRLOCK_GRPC_CA_FILE   PEM file of CA certificates to trust for gRPC over TLS
  AIRLOCK_BROWSER        command that opens the login URL (none: just print it)
  AIRLOCK_CONFIG         config file (default: $XDG_CONFIG_HOME/airlock/config.json,
                         else ~/.config/airlock/config.json)
  AIRLOCK_DEBUG=1        print stack traces with errors

Exit codes: 0 success, 1 error, 2 usage error; policy test: 3 deny, 4 review;
  request --wait: 4 rejected or expired; exec --no-wait: 5 held for review (id on stdout).`;

/**
 * The whole command tree. Each command group registers itself from its own file under
 * commands/; later groups (review, …) are added the same way.
 */
export function buildProgram(ctx: CliContext): Command {
  const program = new Command("airlock")
    .description("Airlock: one audited gateway in front of production Postgres, SSH and Kubernetes")
    .version(ctx.version, "-V, --version", "print the CLI version")
    .helpOption("-h, --help", "show help for a command")
    .configureHelp({
      showGlobalOptions: true,
      // --version belongs to the root command only; do not list it under every subcommand.
      visibleGlobalOptions(this: Help, cmd: Command) {
        return Help.prototype.visibleGlobalOptions
          .call(this, cmd)
          .filter((option) => option.long !== "--version");
      },
    })
    .option(
      "--profile <name>",
      "config profile to use (default: AIRLOCK_PROFILE, else the current profile)",
    )
    .configureOutput({
      writeOut: (text) => ctx.term.out(text),
      writeErr: (text) => ctx.term.err(text),
    })
    .showHelpAfterError("(add --help for usage)")
    // Throw instead of calling process.exit, so main.ts decides exit codes in one place.
    .exitOverride()
    .addHelpText("after", ENVIRONMENT_HELP);

  registerLogin(program, ctx);
  registerWhoami(program, ctx);
  registerConnect(program, ctx);
  registerExec(program, ctx);
  registerSessions(program, ctx);
  registerPolicy(program, ctx);
  registerReviews(program, ctx);
  registerRequest(program, ctx);
  registerGrants(program, ctx);
  registerApiKeys(program, ctx);
  registerAudit(program, ctx);
  registerCompliance(program, ctx);

  const admin = program
    .command("admin")
    .description("administer the control plane (needs the admin role)");
  registerAdminConnectors(admin, ctx);
  registerAdminConnections(admin, ctx);
  registerAdminWebhooks(admin, ctx);
  registerAdminAuditSinks(admin, ctx);
  registerAdminUsers(admin, ctx);

  return program;
}

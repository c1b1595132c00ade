/**
 * The `cairn` command line: global flags (config.ts reads them with the environment and the dev env
 * file), one subcommand per file. Each action returns its exit code (exit-codes.ts); errors become
 * one line on stderr and their code, never a stack trace.
 */
import { Command, CommanderError, Option } from 'commander';
import { type CliSettings, type GlobalFlags, OUTPUTS, resolveSettings } from './config.ts';
import { CliError, EXIT, type ExitCode } from './exit-codes.ts';
import { runDiff } from './diff/command.ts';
import { runDoctor } from './doctor/command.ts';
import { runGet } from './read/get.ts';
import { runTypes } from './read/types.ts';
import { runWatch } from './read/watch.ts';
import { runExplain, runSchemas } from './schemas/command.ts';
import { runValidate } from './validate/command.ts';

export interface Io {
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

type Action = (settings: CliSettings, command: Command) => Promise<ExitCode>;

function globalOptions(program: Command): Command {
  return program
    .addOption(new Option('-o, --output <format>', 'output format').choices(OUTPUTS).default('table'))
    .option('--kubeconfig <path>', 'kubeconfig file ($KUBECONFIG)')
    .option('--context <name>', 'the kubeconfig context to use (default: its current-context)')
    .option('--etcd-endpoints <urls>', 'comma-separated etcd client URLs ($CAIRN_ETCD_ENDPOINTS, $ETCDCTL_ENDPOINTS)')
    .option('--etcd-ca-file <path>', 'CA bundle for etcd TLS ($CAIRN_ETCD_CA_FILE, $ETCDCTL_CACERT)')
    .option('--etcd-cert-file <path>', 'client certificate for etcd mTLS ($CAIRN_ETCD_CERT_FILE, $ETCDCTL_CERT)')
    .option('--etcd-key-file <path>', 'client key for etcd mTLS ($CAIRN_ETCD_KEY_FILE, $ETCDCTL_KEY)')
    .option('--etcd-username <name>', 'etcd user ($CAIRN_ETCD_USERNAME; password from $CAIRN_ETCD_PASSWORD)')
    .option('--etcd-password-file <path>', 'file holding the etcd password ($CAIRN_ETCD_PASSWORD_FILE)')
    .option('--etcd-timeout-ms <ms>', 'deadline of each etcd request ($CAIRN_ETCD_TIMEOUT_MS, default 5000)')
    .option('--prefix <prefix>', 'etcd key prefix P ($CAIRN_PREFIX, default /cairn)')
    .option('--schema-engine-file <path>', 'the schema engine, validator.wasm ($CAIRN_SCHEMA_ENGINE_FILE)')
    .option('--dev-dir <path>', 'where `npm run dev` left its env file ($CAIRN_DEV_DIR, default .cairn/dev)');
}

export const EXIT_CODES_HELP = `
Exit codes:
  0  ok: every file valid, no difference, every check OK, the value read
  1  findings: a file invalid, a difference, a failed check, a value that fails its checks
  2  usage: a bad flag, argument or input file; nothing was done
  3  unavailable: the apiserver, etcd or the schema engine did not answer (or an unexpected failure)
  4  not found: the key, schema or field asked for does not exist
  5  denied: etcd or the apiserver answered and refused the caller (its credentials, or roles and RBAC
     that do not allow the read); fix those, retrying cannot help`;

/** Builds the program; `exit` receives the code of whichever action ran. */
export function buildProgram(io: Io, exit: (code: ExitCode) => void): Command {
  const program = globalOptions(new Command('cairn'))
    .description('Read and check Cairn configuration: validate manifests offline, compare Kubernetes with etcd, explain schemas, diagnose an installation')
    .addHelpText('after', EXIT_CODES_HELP)
    .showHelpAfterError('(cairn --help lists the commands and flags)')
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err });

  const run = (action: Action) => async (...args: unknown[]) => {
    const command = args[args.length - 1] as Command;
    const settings = resolveSettings(command.optsWithGlobals<GlobalFlags>(), io.env, io.cwd);
    exit(await action(settings, command));
  };

  program
    .command('validate')
    .description('check ConfigEntry and ConfigSchema manifests offline, with the engine and messages of admission and the operator')
    .requiredOption('-f, --filename <path...>', 'a file, a directory (recursed) or - for stdin; repeatable')
    .option('--cluster', 'also use the ConfigSchemas declared in the cluster')
    .addHelpText('after', '\nExit 0 only when every document is valid; 1 when one is not; 2 when a file cannot be read.')
    .action(run((settings, command) => {
      const opts = command.opts<{ filename: string[]; cluster?: boolean }>();
      return runValidate({ files: opts.filename, cluster: opts.cluster === true }, settings, io.out);
    }));

  program
    .command('diff')
    .description('compare what Kubernetes declares (ConfigEntries) with what etcd holds, key by key, as kubectl diff reads')
    .argument('[namespace]', 'one namespace (default: every namespace)')
    .addHelpText('after', '\nStates: in-sync, missing, different, drifted (edited outside Cairn), foreign (in etcd, declared by no entry), invalid (the spec cannot be stored).\nExit 0 when every key is in sync, 1 when any is not.')
    .action(run((settings, command) => runDiff(command.args[0], settings, io.out)));

  program
    .command('doctor')
    .description('check the installation: apiserver, CRDs, policies, schemas, the operator\'s leader and health, etcd, your access to entries')
    .option('-n, --namespace <ns>', 'the namespace whose entries your access is checked in', 'default')
    .option('--lease-name <name>', 'the operator\'s leader-election Lease', 'cairn-operator')
    .option('--operator-url <url>', 'the operator\'s metrics address, for /healthz and /readyz ($CAIRN_OPERATOR_URL)')
    .addHelpText('after', '\nExit 0 when no check finds a problem, 1 otherwise.')
    .action(run((settings, command) => runDoctor(command.opts(), settings, io.out)));

  program
    .command('schemas')
    .description('list every schema id an entry may name: embedded, and declared in the cluster (or in -f manifests, offline)')
    .option('-f, --filename <path...>', 'read declared schemas from these manifests instead of the cluster')
    .action(run((settings, command) => runSchemas(command.opts(), settings, io.out)));

  program
    .command('explain')
    .description('describe a schema or one of its fields: type, description, defaults, constraints, rules, fields')
    .argument('<name@vN[.field.path]>', 'e.g. database@v1 or database@v1.pool.max')
    .option('-f, --filename <path...>', 'read declared schemas from these manifests instead of the cluster')
    .action(run((settings, command) => runExplain(command.args[0] as string, command.opts(), settings, io.out)));

  program
    .command('get')
    .description('read one committed value from etcd, checked as an application reads it (cairn/client); with --bundle, every member of a ConfigBundle at one revision')
    .argument('<namespace/key>', 'the entry\'s namespace and key, e.g. cairn-demo/checkout/db; with --bundle, the namespace only')
    .option('--bundle <name>', 'read the members of this ConfigBundle (one generation, one revision) instead of one key')
    .option('--at-least <revision>', 'wait until the store has reached this revision (read your commit: status.revision)')
    .option('--serializable', 'read the member\'s local state (faster, may be stale) instead of a linearizable read')
    .option('--timeout-ms <ms>', 'how long --at-least waits (default 10000)')
    .action(run((settings, command) => runGet(command.args[0] as string, command.opts(), settings, io.out)));

  program
    .command('watch')
    .description('stream the typed changes under a namespace (and key prefix) until Ctrl-C')
    .argument('<namespace[/prefix]>', 'e.g. cairn-demo or cairn-demo/checkout/')
    .option('--after-revision <revision>', 'start with the changes after this revision instead of the current state')
    .action(run((settings, command) => runWatch(command.args[0] as string, command.opts(), settings, io.out, io.err)));

  program
    .command('types')
    .description('print a TypeScript module (type, ValueSchema, guard) for the values of a schema')
    .argument('<name@vN>', 'a declared (published) or embedded schema id')
    .option('--from <package>', 'the package the module imports the client from', 'cairn/client')
    .action(run((settings, command) => runTypes(command.args[0] as string, command.opts(), settings, io.out)));

  return program;
}

/** Runs `argv` (without node and script) and resolves to the exit code. */
export async function runCli(argv: readonly string[], io: Io): Promise<ExitCode> {
  let code: ExitCode = EXIT.ok;
  const program = buildProgram(io, (c) => (code = c));
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return code;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') return EXIT.ok;
      return EXIT.usage; // commander already printed the message
    }
    if (error instanceof CliError) {
      io.err(`cairn: ${error.message}\n`);
      return error.exitCode;
    }
    io.err(`cairn: unexpected failure: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT.unavailable;
  }
}

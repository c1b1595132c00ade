/**
 * The `cairn` command's exit codes, the contract scripts and CI read (README, "Reading configuration").
 * Every command ends with exactly one of these; nothing else exits non-zero on purpose.
 */
export const EXIT = {
  /** Done, and nothing to report: every file valid, no difference, every check OK, the value read. */
  ok: 0,
  /** Done, and the answer is "no": a file invalid, a difference found, a doctor check failed, a value that fails its checks. */
  findings: 1,
  /** The command line or its input is wrong (unknown flag, missing file, bad name): nothing was done. */
  usage: 2,
  /** A part the command needs did not answer (apiserver, etcd, the schema engine file). */
  unavailable: 3,
  /** What was asked for does not exist (a key, a schema, a field of a schema). */
  notFound: 4,
  /** A part the command needs answered and refused the caller: etcd's credentials or roles, the apiserver's RBAC (fix them; retrying cannot help). */
  denied: 5,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** An error that ends the command with a given exit code and a message for people (no stack trace). */
export class CliError extends Error {
  override name = 'CliError';
  readonly exitCode: ExitCode;

  constructor(exitCode: ExitCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.exitCode = exitCode;
  }
}

export function usageError(message: string, options?: ErrorOptions): CliError {
  return new CliError(EXIT.usage, message, options);
}

export function unavailableError(message: string, options?: ErrorOptions): CliError {
  return new CliError(EXIT.unavailable, message, options);
}

export function deniedError(message: string, options?: ErrorOptions): CliError {
  return new CliError(EXIT.denied, message, options);
}

export function notFoundError(message: string, options?: ErrorOptions): CliError {
  return new CliError(EXIT.notFound, message, options);
}

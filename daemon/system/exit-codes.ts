/**
 * Exit codes of the `homesight` command and the daemon process. Every CLI file returns one of these instead of
 * a number; the values follow sysexits(3) where one fits, so scripts and systemd can tell the causes apart.
 */
export const EXIT = {
  /** Done as asked. */
  OK: 0,
  /** The command ran and failed (the message says why). */
  FAILURE: 1,
  /** EX_USAGE: wrong arguments or options; the usage line is printed. */
  USAGE: 64,
  /** EX_DATAERR: the input was read but is wrong (e.g. no usable face in the photos). */
  DATAERR: 65,
  /** EX_NOINPUT: an input file does not exist or cannot be read. */
  NOINPUT: 66,
  /** EX_UNAVAILABLE: a service the command needs (broker, daemon) cannot be reached. */
  UNAVAILABLE: 69,
  /** EX_CANTCREAT: an output file cannot be created (or exists and is not overwritten). */
  CANTCREAT: 73,
  /** EX_CONFIG: the configuration is invalid; one located line per problem is printed. */
  CONFIG: 78,
  /** 128 + SIGINT: interrupted by Ctrl-C (or SIGTERM) before it finished. */
  INTERRUPTED: 130,
} as const;

/** One of EXIT's values. */
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

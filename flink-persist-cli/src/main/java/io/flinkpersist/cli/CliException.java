package io.flinkpersist.cli;

/**
 * A failure the CLI reports as one line and an exit code, without a stack trace: a missing
 * collection, a bad argument found at run time, a failed check.
 */
final class CliException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final int exitCode;

    private CliException(String message, int exitCode, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
    }

    /** A failure of the work itself: exit code 1. */
    static CliException failure(String message) {
        return new CliException(message, ExitCodes.FAILURE, null);
    }

    static CliException failure(String message, Throwable cause) {
        return new CliException(message, ExitCodes.FAILURE, cause);
    }

    /** An argument that cannot be used, found once the command ran: exit code 2. */
    static CliException usage(String message) {
        return new CliException(message, ExitCodes.USAGE, null);
    }

    static CliException usage(String message, Throwable cause) {
        return new CliException(message, ExitCodes.USAGE, cause);
    }

    int exitCode() {
        return exitCode;
    }
}

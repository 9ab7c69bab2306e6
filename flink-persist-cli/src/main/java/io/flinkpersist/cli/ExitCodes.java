package io.flinkpersist.cli;

/** The exit codes of {@code bin/persist}. */
public final class ExitCodes {

    /** The command did what it was asked and found no problem. */
    public static final int OK = 0;

    /** The command failed, or found problems (validate) or a mismatch (demo). */
    public static final int FAILURE = 1;

    /** The command line could not be used: unknown option, bad value, missing argument. */
    public static final int USAGE = 2;

    private ExitCodes() {}
}

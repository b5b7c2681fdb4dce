package org.dino4j.examples;

import java.io.PrintWriter;
import java.io.StringWriter;
import picocli.CommandLine;

/** Runs the {@code dino} command line in-process and captures what it prints, for the CLI tests. */
final class CliRun {

    /** Exit code and captured standard output and error. */
    record Result(int exitCode, String out, String err) {}

    private CliRun() {}

    /** Runs {@code dino args} with picocli's default factory. */
    static Result run(String... args) {
        return run(CommandLine.defaultFactory(), args);
    }

    /** Runs {@code dino args} with {@code factory} making the commands (e.g. a trainer stand-in). */
    static Result run(CommandLine.IFactory factory, String... args) {
        CommandLine cli = DinoCli.commandLine(factory);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        int exitCode = cli.execute(args);
        return new Result(exitCode, out.toString(), err.toString());
    }
}

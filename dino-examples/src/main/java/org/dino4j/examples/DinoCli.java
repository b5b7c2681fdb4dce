package org.dino4j.examples;

import org.dino4j.train.config.ConfigException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;
import picocli.CommandLine.IFactory;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;

/**
 * The {@code dino} command: parses the arguments and runs one subcommand.
 *
 * <p>Exit status: 0 on success, {@value #EXIT_BAD_INPUT} for input the user can fix (bad options, invalid
 * configuration, run directory in use), printed as one message without a stack trace unless {@code --verbose}, and
 * {@value #EXIT_FAILURE} when the command fails otherwise.
 */
@Command(name = "dino", mixinStandardHelpOptions = true, versionProvider = DinoCli.Version.class,
        description = "DINO self-supervised pretraining of Vision Transformers (DJL, PyTorch engine).",
        subcommands = {QuickstartCommand.class, TrainCommand.class, ConfigCommand.class, BenchCommand.class,
                EvalCommand.class, AttentionCommand.class, PcaCommand.class, ExportCommand.class, InfoCommand.class,
                HelpCommand.class},
        footer = {"", "Run 'dino COMMAND --help' for the options of a command."})
public final class DinoCli implements Runnable {

    /** Exit status for input the user can fix, as picocli uses for bad options. */
    static final int EXIT_BAD_INPUT = 2;
    /** Exit status when a command fails for another reason. */
    static final int EXIT_FAILURE = 1;

    @Spec
    CommandSpec spec;

    @Option(names = "--verbose", scope = ScopeType.INHERIT,
            description = "Show the stack trace of errors and debug logs of dino4j.")
    boolean verbose;

    /**
     * Runs the command line and exits with its status.
     *
     * @param args the command line, e.g. {@code train --config configs/fmnist-tiny.yaml}
     */
    public static void main(String[] args) {
        System.exit(commandLine(CommandLine.defaultFactory()).execute(args));
    }

    /**
     * The configured command line.
     *
     * @param factory creates the subcommand objects (tests pass one that substitutes the trainer)
     */
    static CommandLine commandLine(IFactory factory) {
        CommandLine commandLine = new CommandLine(DinoCli.class, factory);
        commandLine.setExecutionStrategy(DinoCli::execute);
        commandLine.setExecutionExceptionHandler(DinoCli::handleFailure);
        return commandLine;
    }

    /** {@code dino} alone is a usage error: say which commands exist. */
    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "Missing command: choose one of "
                + spec.subcommands().keySet());
    }

    private static int execute(ParseResult parseResult) {
        if (verbose(parseResult)) {
            // read when each logger is created, i.e. after parsing: the CLI classes create theirs lazily
            System.setProperty("org.slf4j.simpleLogger.log.org.dino4j", "debug");
        }
        return new CommandLine.RunLast().execute(parseResult);
    }

    private static int handleFailure(Exception e, CommandLine commandLine, ParseResult parseResult) {
        PrintWriter err = commandLine.getErr();
        boolean badInput = e instanceof ConfigException || e instanceof UserInputException;
        err.println("error: " + (badInput ? e.getMessage() : describe(e)));
        if (verbose(parseResult)) {
            e.printStackTrace(err);
        } else if (!badInput) {
            err.println("(run with --verbose for the stack trace)");
        }
        err.flush();
        return badInput ? EXIT_BAD_INPUT : EXIT_FAILURE;
    }

    private static String describe(Throwable e) {
        return e.getMessage() == null ? e.getClass().getName() : e.getClass().getSimpleName() + ": " + e.getMessage();
    }

    /** Whether {@code --verbose} was given at any level ({@code dino --verbose train} or {@code dino train --verbose}). */
    private static boolean verbose(ParseResult parseResult) {
        for (ParseResult p = parseResult; p != null; p = p.subcommand()) {
            if (p.hasMatchedOption("--verbose")) {
                return true;
            }
        }
        return false;
    }

    /** The version from the jar manifest ("dev" when run from classes). */
    static final class Version implements CommandLine.IVersionProvider {
        /** {@inheritDoc} */
        @Override
        public String[] getVersion() {
            String version = DinoCli.class.getPackage().getImplementationVersion();
            return new String[] {"dino4j " + (version == null ? "dev" : version)};
        }
    }
}

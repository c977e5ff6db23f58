package dev.verity.cli;

import dev.verity.InvalidInputException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintWriter;

/**
 * Verity's command line. Exit status: 0 success, 2 bad input (a model, property, data file or flag
 * that Verity cannot accept; the message says what and where), 1 an internal error (a bug: the stack
 * trace is printed so it can be reported). {@code verify} reports its verdict in the status as well:
 * 0 verified, 10 falsified, 20 unknown, 30 timeout ({@link dev.verity.verify.Verdict#exitCode()}), numbers
 * chosen apart from 1 and 2 so that "no answer" and "could not run" never look alike; {@code vnncomp} exits
 * with 3 when an answer contradicts the expected results it was given.
 */
@Command(name = "verity", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Proves or refutes properties of neural networks (ONNX models, VNN-LIB properties).",
        subcommands = {InfoCommand.class, RunCommand.class, AccuracyCommand.class, BoundsCommand.class, VerifyCommand.class, VnncompCommand.class, EvalCommand.class, DistortionCommand.class, LandscapeCommand.class, TrainCommand.class, DemoCommand.class, CheckCommand.class, WorkerCommand.class,
                BenchCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    public static final int EXIT_OK = 0;
    public static final int EXIT_INTERNAL = 1;
    public static final int EXIT_BAD_INPUT = 2;

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    /**
     * When this process started ({@code System.nanoTime()} clock), where Verity runs as its own process ({@link #main}):
     * {@code verify --timeout} counts from there, JVM start-up and loading included. Null in-process (tests, embedding),
     * where commands count from their own start.
     */
    private Long processStartNanos;

    Long processStartNanos() { return processStartNanos; }

    @Override public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    public static void main(String[] args) {
        int status;
        try {
            long uptimeNanos = java.lang.management.ManagementFactory.getRuntimeMXBean().getUptime() * 1_000_000L;
            Main main = new Main();
            main.processStartNanos = System.nanoTime() - uptimeNanos;
            status = newCommandLine(main).execute(args);
        } catch (OutOfMemoryError e) {
            // Not an input error and not a bug: the work did not fit in this heap. Say so and how to give more.
            System.err.println("verity: error: " + dev.verity.io.HeapBudget.outOfMemoryMessage());
            status = EXIT_INTERNAL;
        }
        System.exit(status);
    }

    /** Runs the CLI and returns the exit status (used by tests, which must not call System.exit). */
    public static int execute(String... args) {
        return newCommandLine().execute(args);
    }

    static CommandLine newCommandLine() {
        return newCommandLine(new Main());
    }

    private static CommandLine newCommandLine(Main main) {
        CommandLine cl = new CommandLine(main);
        cl.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            PrintWriter err = commandLine.getErr();
            if (e instanceof InvalidInputException) {
                err.println("verity: error: " + e.getMessage());
                err.flush();
                return EXIT_BAD_INPUT;
            }
            err.println("verity: internal error (please report it): " + e);
            e.printStackTrace(err);
            err.flush();
            return EXIT_INTERNAL;
        });
        cl.setParameterExceptionHandler((e, args) -> {
            PrintWriter err = e.getCommandLine().getErr();
            err.println("verity: " + e.getMessage());
            e.getCommandLine().usage(err);
            err.flush();
            return EXIT_BAD_INPUT;
        });
        return cl;
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"verity " + (v == null ? "(development build)" : v)
                    + ", Java " + Runtime.version()};
        }
    }
}

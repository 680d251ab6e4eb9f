package org.crackcam.cli;

import java.io.PrintStream;
import java.io.PrintWriter;

import org.crackcam.pipeline.CrackcamException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * Entry point of the {@code crackcam} command. Subcommands are listed in the annotation below
 * (engineers add theirs there). Failures become one line on standard error and an exit code
 * from {@link ExitCodes}.
 */
@Command(name = "crackcam", mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "Road-crack detection with ABN + LRP-BN explanations from vehicle cameras.",
        subcommands = {
                InfoCommand.class,
                ExplainCommand.class,
                ReplayCommand.class,
                BenchCommand.class,
                DemoCommand.class,
                ListenCommand.class,
                DeliverCommand.class,
                RunCommand.class,
                CheckConfigCommand.class,
                EvaluateCommand.class,
                ScoreDriveCommand.class,
                org.crackcam.office.OfficeCommand.class,
                CommandLine.HelpCommand.class
        })
public final class Main implements Runnable {

    @Option(names = "--log-format", scope = ScopeType.INHERIT, paramLabel = "FORMAT",
            description = "console (default) or journal (lines prefixed <3>..<7> for journald); "
                    + "also env CRACKCAM_LOG")
    String logFormat;

    @Option(names = {"-v", "--verbose"}, scope = ScopeType.INHERIT,
            description = "debug logging and stack traces for errors")
    boolean verbose;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a command is required");
    }

    public static void main(String[] args) {
        int code = execute(args, System.out, System.err);
        System.exit(code);
    }

    /** Runs the command line in-process; returns the exit code. */
    public static int execute(String[] args, PrintStream out, PrintStream err) {
        LoggingSetup.configure(args);
        boolean verbose = false;
        for (String a : args) {
            verbose |= a.equals("--verbose") || a.equals("-v");
        }
        final boolean showTrace = verbose;
        CommandLine cl = new CommandLine(new Main());
        PrintWriter outWriter = new PrintWriter(out, true);
        PrintWriter errWriter = new PrintWriter(err, true);
        cl.setOut(outWriter);
        cl.setErr(errWriter);
        cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            int code = exitCodeOf(ex);
            errWriter.println("crackcam: " + describe(ex));
            if (showTrace) {
                ex.printStackTrace(errWriter);
            }
            errWriter.flush();
            return code;
        });
        cl.setParameterExceptionHandler((ex, a) -> {
            // one line: the problem and where to look, not the whole usage text
            String cmd = ex.getCommandLine().getCommandSpec().qualifiedName();
            errWriter.println("crackcam: " + ex.getMessage() + " (see '" + cmd + " --help')");
            errWriter.flush();
            return ExitCodes.USAGE;
        });
        int code = cl.execute(args);
        outWriter.flush();
        errWriter.flush();
        return code;
    }

    static int exitCodeOf(Throwable ex) {
        return ExitCodes.of(ex);
    }

    static String describe(Throwable ex) {
        if (ex instanceof CrackcamException) {
            return ex.getMessage();
        }
        String msg = ex.getMessage();
        return "internal error: " + ex.getClass().getSimpleName() + (msg == null ? "" : ": " + msg);
    }

    /** Version from the jar manifest (or "dev" when run from classes). */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"crackcam " + (v == null ? "dev" : v)};
        }
    }
}

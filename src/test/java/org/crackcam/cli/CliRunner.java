package org.crackcam.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** Runs the {@code crackcam} entry point in-process and captures its output. */
public final class CliRunner {

    /** Exit code, standard output and standard error of one run. */
    public record Run(int code, String out, String err) {
        /** The lines the CLI printed as errors (its own "crackcam: …" lines). */
        public long errorLines() {
            return err.lines().filter(l -> l.startsWith("crackcam: ")).count();
        }

        public String errorLine() {
            return err.lines().filter(l -> l.startsWith("crackcam: ")).findFirst().orElse("");
        }
    }

    private CliRunner() {
    }

    public static Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
             PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            code = Main.execute(args, o, e);
        }
        Run r = new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        System.out.println("crackcam " + String.join(" ", Arrays.asList(args)) + " -> exit " + code
                + (r.errorLine().isEmpty() ? "" : ": " + r.errorLine()));
        return r;
    }
}

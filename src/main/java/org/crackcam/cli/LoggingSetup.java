package org.crackcam.cli;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

import org.tinylog.configuration.Configuration;

/**
 * Chooses the TinyLog configuration before the first log call: the console writer of
 * {@code tinylog.properties} for humans, or the {@link JournalWriter} for journald.
 */
final class LoggingSetup {

    /** Environment variable selecting the log format ({@code console} or {@code journal}). */
    static final String ENV = "CRACKCAM_LOG";

    private LoggingSetup() {
    }

    /**
     * Applies the format and level found in the arguments ({@code --log-format=journal},
     * {@code --log-format journal}, {@code --verbose}/{@code -v}) or in {@value #ENV}.
     * Has no effect once TinyLog has been used (the configuration is then frozen).
     */
    static void configure(String[] args) {
        String format = System.getenv(ENV);
        boolean verbose = false;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.startsWith("--log-format=")) {
                format = a.substring("--log-format=".length());
            } else if (a.equals("--log-format") && i + 1 < args.length) {
                format = args[i + 1];
            } else if (a.equals("--verbose") || a.equals("-v")) {
                verbose = true;
            }
        }
        if (Configuration.isFrozen()) {
            return;
        }
        String level = verbose ? "debug" : "info";
        if (format != null && format.toLowerCase(Locale.ROOT).equals("journal")) {
            Map<String, String> cfg = new HashMap<>();
            cfg.put("writer", "journal");
            cfg.put("writer.level", level);
            cfg.put("writingthread", "false");
            cfg.put("autoshutdown", "true");
            Configuration.replace(cfg);
        } else {
            Configuration.set("writer.level", level);
        }
    }
}

package org.crackcam.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;

import org.crackcam.service.ConfigException;
import org.crackcam.service.ConfigLoader;
import org.crackcam.service.ServiceConfig;
import org.crackcam.service.ServiceRunner;
import org.crackcam.settings.InvalidSettingException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code crackcam run --config FILE}: the in-vehicle service (systemd unit crackcam.service). */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = {"Run the in-vehicle service: camera -> crack detection -> alerts (outbox, MQTT).",
                "Stops cleanly on SIGTERM (finishes the frame, flushes the outbox within shutdown.timeout_s).",
                "Configuration keys: docs/service.md; check a file first with crackcam check-config FILE."})
final class RunCommand implements Callable<Integer> {

    @Option(names = {"-c", "--config"}, required = true, paramLabel = "FILE",
            description = "service configuration (YAML), e.g. /etc/crackcam/config.yaml")
    Path config;

    @Override
    public Integer call() throws Exception {
        ServiceConfig cfg;
        try {
            cfg = ConfigLoader.load(config);
        } catch (ConfigException e) {
            String more = e.problems().size() > 1 ? " (" + (e.problems().size() - 1)
                    + " more problem(s): crackcam check-config " + config + ")" : "";
            throw new InvalidSettingException(e.problems().get(0) + more, e);
        }
        try (ServiceRunner service = ServiceRunner.open(cfg)) {
            service.installShutdownHook();
            service.run();
        }
        return ExitCodes.OK;
    }
}

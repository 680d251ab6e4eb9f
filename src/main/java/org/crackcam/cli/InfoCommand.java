package org.crackcam.cli;

import java.util.concurrent.Callable;

import ai.onnxruntime.OrtEnvironment;
import picocli.CommandLine.Command;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code crackcam info}: versions and the ONNX Runtime execution providers available here. */
@Command(name = "info", mixinStandardHelpOptions = true,
        description = "Print versions and the ONNX Runtime execution providers of this build.")
final class InfoCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        var out = spec.commandLine().getOut();
        out.println("crackcam " + new Main.Version().getVersion()[0].substring("crackcam ".length()));
        out.println("java " + System.getProperty("java.version") + " (" + System.getProperty("os.arch") + ")");
        out.println("onnxruntime " + OrtEnvironment.getEnvironment().getVersion());
        out.println("providers " + OrtEnvironment.getAvailableProviders());
        out.flush();
        return ExitCodes.OK;
    }
}

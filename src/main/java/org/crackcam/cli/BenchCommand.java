package org.crackcam.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import org.crackcam.bundle.ModelBundle;
import org.crackcam.report.Benchmark;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code crackcam bench [VIDEO]}: per-stage latency, throughput against bare ONNX Runtime, relevance/ABN ratio. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Measure the pipeline on a video: per-stage latency (mean, p50, p95), throughput on crack-free",
                "frames against bare ONNX Runtime on the same batches, the relevance graph's latency as a multiple",
                "of the ABN graph's at batch 1 and 8, and resident memory."})
final class BenchCommand implements Callable<Integer> {

    @Parameters(index = "0", arity = "0..1", paramLabel = "VIDEO", description = "video (default models/demo/drive.mp4)")
    Path video;

    @Option(names = "--max-frames", paramLabel = "N", defaultValue = "300", description = "frames processed at most (default ${DEFAULT-VALUE})")
    int maxFrames;

    @Option(names = "--baseline-batches", paramLabel = "N", defaultValue = "40",
            description = "crack-free batches kept for the bare ONNX Runtime loop (default ${DEFAULT-VALUE})")
    int storedBatches;

    @Option(names = "--repeats", paramLabel = "N", defaultValue = "3", description = "passes of the baseline loop (default ${DEFAULT-VALUE})")
    int repeats;

    @Option(names = "--json", description = "print the figures as JSON instead of a table")
    boolean json;

    @Option(names = "--out", paramLabel = "FILE", description = "also write the JSON figures to FILE")
    Path out;

    @Mixin
    BundleOptions bundleOptions;

    @Mixin
    RelevanceBatchOption relevanceBatch;

    @Mixin
    TilingOptions tilingOptions;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Path v = video != null ? video : BundleOptions.resolveDefault("models/demo/drive.mp4");
        var tiling = tilingOptions.config();
        try (ModelBundle bundle = bundleOptions.open()) {
            var result = Benchmark.run(bundle, tiling, new Benchmark.Options(v, maxFrames, storedBatches, repeats, relevanceBatch.value()));
            ObjectMapper m = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
            if (out != null) {
                if (out.getParent() != null) {
                    Files.createDirectories(out.getParent());
                }
                m.writeValue(out.toFile(), result);
            }
            var o = spec.commandLine().getOut();
            o.print(json ? m.writeValueAsString(result) + "\n" : Benchmark.table(result));
            o.flush();
        }
        return ExitCodes.OK;
    }
}

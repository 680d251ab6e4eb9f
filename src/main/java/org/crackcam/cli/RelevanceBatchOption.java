package org.crackcam.cli;

import org.crackcam.settings.InvalidSettingException;
import org.crackcam.inference.Detector;
import picocli.CommandLine.Option;

/** {@code --relevance-batch N}: flagged tiles of consecutive frames run through the relevance graph together. */
final class RelevanceBatchOption {

    @Option(names = "--relevance-batch", paramLabel = "N", defaultValue = "" + Detector.DEFAULT_RELEVANCE_BATCH,
            description = "run the relevance graph on the flagged tiles of consecutive frames together, up to N tiles "
                    + "(and N frames waiting); 1 = each frame alone (default: ${DEFAULT-VALUE})")
    int relevanceBatch;

    int value() {
        if (relevanceBatch < 1) {
            throw new InvalidSettingException("--relevance-batch must be >= 1, got " + relevanceBatch);
        }
        return relevanceBatch;
    }
}

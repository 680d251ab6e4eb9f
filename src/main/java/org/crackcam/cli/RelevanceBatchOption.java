package org.crackcam.cli;

import org.crackcam.settings.ModelSettings;
import picocli.CommandLine.Option;

/** {@code --relevance-batch N}: flagged tiles of consecutive frames run through the relevance graph together. */
final class RelevanceBatchOption {

    @Option(names = "--relevance-batch", paramLabel = "N", defaultValue = "" + ModelSettings.DEFAULT_RELEVANCE_BATCH,
            description = "run the relevance graph on the flagged tiles of consecutive frames together, up to N tiles "
                    + "(and N frames waiting); 1 = each frame alone (default: ${DEFAULT-VALUE})")
    int relevanceBatch;

    int value() {
        return ModelSettings.relevanceBatch(relevanceBatch);
    }
}

package org.crackcam.evaluate;

/**
 * A classifier seen from the evaluation: images in, class probabilities out.
 *
 * <p>Not thread-safe unless an implementation says so; the evaluation calls it from one thread.
 */
public interface Scorer {
    /** The input size the scorer expects. */
    ImageShape shape();

    /**
     * Class probabilities of each image.
     *
     * @param images each {@code float[shape().values()]}, CHW RGB in [0, 1]; not modified
     * @return {@code [images.length][K]} probabilities (softmax of the perception branch)
     */
    float[][] probabilities(float[][] images) throws EvaluationException;
}

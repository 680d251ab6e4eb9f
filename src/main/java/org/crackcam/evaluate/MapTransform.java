package org.crackcam.evaluate;

/** A post-processing of an H×W map (C1C for the LRP-BN explanation). */
@FunctionalInterface
public interface MapTransform {
    float[] apply(float[] map);
}

package org.crackcam.evaluate;

/** Size of a CHW image; {@code pixels() = height·width}, {@code values() = channels·pixels()}. */
public record ImageShape(int channels, int height, int width) {
    public ImageShape {
        if (channels <= 0 || height <= 0 || width <= 0) {
            throw new IllegalArgumentException(
                    "image shape must be positive, got " + channels + "x" + height + "x" + width);
        }
    }

    public int pixels() {
        return height * width;
    }

    public int values() {
        return channels * height * width;
    }
}

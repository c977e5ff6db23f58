package dev.verity.data;

import dev.verity.InvalidInputException;
import dev.verity.model.Shape;
import dev.verity.tensor.Tensor;
import java.util.Arrays;

/**
 * A labelled image set: {@code images} has shape {@code [N, ...sampleShape]} with pixel values scaled to
 * [0, 1] (no normalisation: networks that expect normalised inputs carry it inside, as in VNN-COMP), and
 * {@code labels[n]} is the class of image {@code n}. Images are channel-first (CHW), so a flattened
 * sample is in the order of VNN-LIB's {@code X_i} for a model with input {@code [1, C, H, W]}.
 *
 * <p>The labels are copied in and out. The image tensor is not copied (a dataset can be hundreds of
 * megabytes); it belongs to the dataset and must not be modified: {@link #image(int)} and
 * {@link #pixels(int)} hand out copies.
 */
public record Dataset(Tensor images, int[] labels, Shape sampleShape, String name) {

    public Dataset {
        labels = labels.clone();
        int[] expected = sampleShape.withBatch(labels.length);
        if (!Arrays.equals(images.shape(), expected)) {
            throw new IllegalArgumentException("images of shape " + Arrays.toString(images.shape()) + " do not match "
                    + labels.length + " labels of samples " + sampleShape);
        }
    }

    @Override public int[] labels() { return labels.clone(); }

    /** Number of samples N. */
    public int size() { return labels.length; }

    public int label(int n) { return labels[n]; }

    /** Sample {@code n} as a tensor of the sample shape (a copy). */
    public Tensor image(int n) { return new Tensor(pixels(n), sampleShape.dims()); }

    /** Sample {@code n} flattened in row-major (CHW) order (a copy): the {@code X_i} of a VNN-LIB property. */
    public double[] pixels(int n) {
        int per = sampleShape.numel();
        return Arrays.copyOfRange(images.data(), n * per, (n + 1) * per);
    }

    /** The first {@code n} samples (all of them if there are fewer), copied. */
    public Dataset limit(int n) {
        if (n < 0) throw new InvalidInputException("limit must be >= 0, got " + n);
        if (n >= size()) return this;
        return slice(0, n, name);
    }

    /** Samples {@code from} (inclusive) to {@code to} (exclusive), copied, under another name. */
    public Dataset slice(int from, int to, String newName) {
        int per = sampleShape.numel();
        double[] data = Arrays.copyOfRange(images.data(), from * per, to * per);
        return new Dataset(new Tensor(data, sampleShape.withBatch(to - from)), Arrays.copyOfRange(labels, from, to), sampleShape, newName);
    }

    /** How many samples each class has: index = label, length = largest label + 1. */
    public int[] classCounts() {
        int max = -1;
        for (int l : labels) max = Math.max(max, l);
        int[] counts = new int[max + 1];
        for (int l : labels) counts[l]++;
        return counts;
    }

    /** Equal content: name, sample shape, labels and every pixel. */
    @Override public boolean equals(Object o) {
        return o instanceof Dataset d && name.equals(d.name) && sampleShape.equals(d.sampleShape)
                && Arrays.equals(labels, d.labels) && Arrays.equals(images.data(), d.images.data());
    }

    @Override public int hashCode() { return 31 * (31 * name.hashCode() + sampleShape.hashCode()) + Arrays.hashCode(labels); }

    @Override public String toString() { return "Dataset[" + name + ": " + size() + " x " + sampleShape + "]"; }
}

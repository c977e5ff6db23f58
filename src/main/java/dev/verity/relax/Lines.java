package dev.verity.relax;

/**
 * A linear relaxation of an element-wise nonlinearity y = f(z) over the pre-activation box
 * [l, u], one pair of lines per neuron: {@code lowerSlope·z + lowerIntercept <= f(z) <=
 * upperSlope·z + upperIntercept} for every z in [l, u] (paper 000, problem (C): the lower
 * and upper bounding functions of each activation).
 */
public record Lines(double[] lowerSlope, double[] lowerIntercept, double[] upperSlope, double[] upperIntercept) {
    public Lines {
        int n = lowerSlope.length;
        if (lowerIntercept.length != n || upperSlope.length != n || upperIntercept.length != n)
            throw new IllegalArgumentException("relaxation arrays of different lengths");
    }

    public static Lines zeros(int n) {
        return new Lines(new double[n], new double[n], new double[n], new double[n]);
    }

    public int size() { return lowerSlope.length; }

    void set(int i, double ls, double li, double us, double ui) {
        lowerSlope[i] = ls;
        lowerIntercept[i] = li;
        upperSlope[i] = us;
        upperIntercept[i] = ui;
    }
}

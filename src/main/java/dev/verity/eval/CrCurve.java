package dev.verity.eval;

import java.util.Arrays;

/**
 * A certified-robustness curve: the percentage of test images that are correctly classified and certified, against
 * the radius ε (paper 003 Fig. 2). Its area, CR-AUC, is paper 003's measure of a relaxation's tightness (App. B,
 * Table 1 and Table 4), "the area under the CR curve, calculated using the trapezoidal rule", with the curve sampled
 * from ε = 0 and the CR in percent (so a method certifying everything up to ε = 0.07 has CR-AUC 7; paper 003 reports
 * e.g. 3.36 for CROWN on its experiment A). At ε = 0 every correctly classified image is trivially robust, so the
 * curve starts at the clean accuracy.
 *
 * @param eps     the radii, increasing, starting at 0
 * @param percent the certified robustness at each radius, in percent
 */
public record CrCurve(String method, double[] eps, double[] percent) {
    public CrCurve {
        eps = eps.clone();
        percent = percent.clone();
        if (eps.length != percent.length) throw new IllegalArgumentException(eps.length + " radii, " + percent.length + " values");
        for (int i = 1; i < eps.length; i++)
            if (!(eps[i] > eps[i - 1])) throw new IllegalArgumentException("radii must increase: " + Arrays.toString(eps));
    }

    @Override public double[] eps() { return eps.clone(); }
    @Override public double[] percent() { return percent.clone(); }

    /** The area under the curve by the trapezoidal rule (paper 003 App. B), in percent × ε. */
    public double auc() {
        double a = 0;
        for (int i = 1; i < eps.length; i++) a += (eps[i] - eps[i - 1]) * (percent[i] + percent[i - 1]) / 2;
        return a;
    }

    @Override public boolean equals(Object o) {
        return o instanceof CrCurve c && method.equals(c.method) && Arrays.equals(eps, c.eps) && Arrays.equals(percent, c.percent);
    }

    @Override public int hashCode() { return method.hashCode() * 31 + Arrays.hashCode(eps) * 17 + Arrays.hashCode(percent); }

    @Override public String toString() { return "CrCurve[" + method + ": eps " + Arrays.toString(eps) + ", % " + Arrays.toString(percent) + "]"; }
}

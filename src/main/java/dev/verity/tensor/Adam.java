package dev.verity.tensor;

/**
 * Adam (Kingma & Ba) on a flat parameter array, descending the gradient. Used by alpha-CROWN for its
 * slopes, and by the dual optimisers and training. Projection (e.g. onto [0, 1]) is the caller's step
 * after {@link #step}.
 */
public final class Adam {
    private final double[] m, v;
    private final double beta1, beta2, epsilon;
    private double learningRate;
    private int t;

    public Adam(int size, double learningRate) {
        this(size, learningRate, 0.9, 0.999, 1e-8);
    }

    public Adam(int size, double learningRate, double beta1, double beta2, double epsilon) {
        this.m = new double[size];
        this.v = new double[size];
        this.learningRate = learningRate;
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.epsilon = epsilon;
    }

    public double learningRate() { return learningRate; }

    public void setLearningRate(double lr) { this.learningRate = lr; }

    /** The optimiser's state (moments and step count), copied: what a training checkpoint stores. */
    public State state() { return new State(m.clone(), v.clone(), t); }

    /** Continues from a saved {@link #state()} (a resumed training run). */
    public void restore(State s) {
        if (s.m().length != m.length || s.v().length != v.length) throw new IllegalArgumentException("Adam state of another size");
        System.arraycopy(s.m(), 0, m, 0, m.length);
        System.arraycopy(s.v(), 0, v, 0, v.length);
        t = s.t();
    }

    /** First and second moments and the number of steps taken. */
    public record State(double[] m, double[] v, int t) {}

    /** One step {@code params -= lr · m̂ / (sqrt(v̂) + ε)} with bias-corrected moments. */
    public void step(double[] params, double[] grad) {
        if (params.length != m.length || grad.length != m.length) throw new IllegalArgumentException("Adam size mismatch");
        t++;
        double c1 = 1 - Math.pow(beta1, t), c2 = 1 - Math.pow(beta2, t);
        for (int i = 0; i < params.length; i++) {
            double g = grad[i];
            m[i] = beta1 * m[i] + (1 - beta1) * g;
            v[i] = beta2 * v[i] + (1 - beta2) * g * g;
            params[i] -= learningRate * (m[i] / c1) / (Math.sqrt(v[i] / c2) + epsilon);
        }
    }
}

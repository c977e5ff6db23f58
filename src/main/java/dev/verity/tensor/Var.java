package dev.verity.tensor;

/**
 * A value recorded on a {@link Tape}: its tensor and, after {@link Tape#backward}, the gradient of
 * the scalar the backward pass started from. Created only by a tape ({@code variable},
 * {@code constant} or an operation); a var needs a gradient when some variable leaf flows into it.
 */
public final class Var {
    private final Tape tape;
    private final Tensor value;
    private final boolean requiresGrad;
    /** Propagates this var's gradient to its inputs; null for leaves and for vars no gradient reaches. */
    final Tape.Backward backward;
    private Tensor grad;
    /**
     * Whether {@link #grad} is this var's own array. Gradients handed over by an operation may be
     * shared with another var (add passes the same tensor to both operands), so the first one is
     * stored as is and copied only when a second contribution has to be added in place.
     */
    private boolean gradOwned;

    /**
     * Whether {@link #backward} runs even when no gradient reached this var: the last result of an operation
     * with several results carries the operation's backward, which reads its siblings' gradients.
     */
    final boolean joint;

    Var(Tape tape, Tensor value, boolean requiresGrad, Tape.Backward backward) {
        this(tape, value, requiresGrad, backward, false);
    }

    Var(Tape tape, Tensor value, boolean requiresGrad, Tape.Backward backward, boolean joint) {
        this.tape = tape;
        this.value = value;
        this.requiresGrad = requiresGrad;
        this.backward = backward;
        this.joint = joint;
    }

    public Tensor value() { return value; }

    public int[] shape() { return value.shape(); }

    /** The single value of a one-element var (e.g. a loss). */
    public double item() { return value.item(); }

    /** Whether a gradient flows into this var (it is a variable or depends on one). */
    public boolean requiresGrad() { return requiresGrad; }

    /**
     * The gradient after {@link Tape#backward}: zeros where the scalar does not depend on this var.
     * Treat it as read-only; a variable's gradient is its own array, an intermediate var's may share
     * storage with another's.
     */
    public Tensor grad() {
        if (!requiresGrad) throw new IllegalStateException("a constant has no gradient");
        if (grad == null) {
            grad = Tensor.zeros(value.shape());
            gradOwned = true;
        }
        return grad;
    }

    Tape tape() { return tape; }

    /** The gradient accumulated so far, or null when none has arrived. */
    Tensor pendingGrad() { return grad; }

    /** Adds a gradient contribution; {@code g} must not be modified afterwards by anyone. */
    void accumulate(Tensor g) {
        checkShape(g);
        if (grad == null) {
            grad = g;
            gradOwned = false;
            return;
        }
        if (!gradOwned) {
            // grad + g into a new array in one pass: copying first and adding in place reads and writes the
            // (for back-substitution rows, 100 MB) array twice.
            grad = new Tensor(Elementwise.sum(grad.data(), g.data()), grad.shape());
            gradOwned = true;
            return;
        }
        Elementwise.addInPlace(grad.data(), g.data());
    }

    /**
     * Adds a contribution that the caller has just allocated and hands over: nobody else holds {@code g}, so
     * it may become this var's own array or receive the sum in place (no allocation, no copy). Addition is
     * commutative, so the result is the same as {@link #accumulate}'s.
     */
    void accumulateFresh(Tensor g) {
        checkShape(g);
        if (grad == null) {
            grad = g;
            gradOwned = true;
            return;
        }
        if (gradOwned) {
            Elementwise.addInPlace(grad.data(), g.data());
            return;
        }
        Elementwise.addInPlace(g.data(), grad.data());
        grad = g;
        gradOwned = true;
    }

    private void checkShape(Tensor g) {
        if (!value.sameShape(g))
            throw new IllegalStateException("gradient of shape " + java.util.Arrays.toString(g.shape()) + " for a var of shape " + java.util.Arrays.toString(value.shape()));
    }

    /** Makes the gradient this var's own array (for variables, whose gradient callers keep). */
    void ownGrad() {
        if (grad != null && !gradOwned) {
            grad = grad.copy();
            gradOwned = true;
        }
    }

    @Override public String toString() {
        return "Var(" + value + (requiresGrad ? ", grad" : "") + ")";
    }
}

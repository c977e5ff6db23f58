package dev.verity.spec;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns the conjunction of asserts into disjunctive normal form and groups its terms by input box.
 * Each DNF term is a conjunction of input bounds (kept as a box: intersecting bounds is exact) and
 * output rows. Terms whose box is empty are unsatisfiable and dropped, constant-true atoms vanish and
 * constant-false ones remove their term, so the result denotes exactly the same set as the file.
 *
 * <p>Cost matters: a CIFAR property is ~6000 single-bound asserts conjoined with one 9-way 'or'. Bounds
 * are applied in place to the terms built so far, boxes are shared copy-on-write between the terms of a
 * product, and output rows are persistent cons lists, so that common shape costs O(asserts + inputs).
 */
final class Dnf {

    /** Upper limits on the DNF: terms, and terms times inputs (the memory of distinct boxes). */
    static final int MAX_TERMS = 100_000;
    static final long MAX_CELLS = 20_000_000L;

    private final VnnlibParser.Parsed parsed;
    private final SourceText source;
    private final int inputs;
    private final int maxTerms;
    private Term firstEmpty; // kept to explain an input region that is empty everywhere

    private Dnf(VnnlibParser.Parsed parsed) {
        this.parsed = parsed;
        this.source = parsed.source();
        this.inputs = parsed.inputCount();
        this.maxTerms = (int) Math.max(1_000, Math.min(MAX_TERMS, MAX_CELLS / Math.max(1, inputs)));
    }

    static VnnlibProperty toProperty(VnnlibParser.Parsed parsed) {
        return new Dnf(parsed).build();
    }

    /** Output rows of one term, newest first; shared tails make copying a term O(1). */
    private record Rows(Formula.OutputAtom head, Rows tail) {}

    /** One DNF term. {@code lo == null} means no input is bounded yet. */
    private final class Term {
        double[] lo, hi;
        boolean shared;     // lo/hi are also referenced by another term: copy before writing
        int emptyAt = -1;   // an input whose interval became empty, or -1
        Rows rows;

        boolean empty() { return emptyAt >= 0; }

        void narrow(Formula.InputBound b) {
            if (empty()) return;
            own();
            int i = b.index();
            if (b.upper()) hi[i] = Math.min(hi[i], b.value());
            else lo[i] = Math.max(lo[i], b.value());
            if (lo[i] > hi[i]) markEmpty(i);
        }

        void add(Formula.OutputAtom a) { rows = new Rows(a, rows); }

        private void own() {
            if (lo == null) {
                lo = new double[inputs];
                hi = new double[inputs];
                Arrays.fill(lo, Double.NEGATIVE_INFINITY);
                Arrays.fill(hi, Double.POSITIVE_INFINITY);
            } else if (shared) {
                lo = lo.clone();
                hi = hi.clone();
            }
            shared = false;
        }

        void markEmpty(int i) {
            emptyAt = i;
            if (firstEmpty == null) firstEmpty = this;
        }
    }

    private VnnlibProperty build() {
        List<Term> terms = dnf(parsed.asserts());
        List<Term> live = new ArrayList<>(terms.size());
        for (Term t : terms) if (!t.empty()) live.add(t);
        if (live.isEmpty() && firstEmpty != null) {
            // Every alternative has an empty input box: the property would hold vacuously, which is far
            // more likely a mistake in the file than an intent, so say so instead of answering "holds".
            int i = firstEmpty.emptyAt;
            throw source.error(parsed.inputDeclaredAt()[i], "the input region is empty: X_" + i + " has lower bound "
                    + firstEmpty.lo[i] + " above its upper bound " + firstEmpty.hi[i]);
        }
        for (Term t : live) checkBounded(t, live.size());
        return new VnnlibProperty(inputs, parsed.outputCount(), group(live));
    }

    private void checkBounded(Term t, int termCount) {
        for (int i = 0; i < inputs; i++) {
            boolean noLower = t.lo == null || t.lo[i] == Double.NEGATIVE_INFINITY;
            boolean noUpper = t.lo == null || t.hi[i] == Double.POSITIVE_INFINITY;
            if (noLower || noUpper) {
                String which = noLower && noUpper ? "no bounds" : noLower ? "no lower bound" : "no upper bound";
                String where = termCount > 1 ? " in one of the " + termCount + " alternatives of the disjunction" : "";
                throw source.error(parsed.inputDeclaredAt()[i], "input X_" + i + " has " + which + where
                        + "; every input needs a lower and an upper bound, e.g. (assert (>= X_" + i + " 0.0)) (assert (<= X_" + i + " 1.0))");
            }
        }
    }

    // ---- normal form ----

    private List<Term> dnf(Formula f) {
        return switch (f) {
            case Formula.Const c -> c.value() ? new ArrayList<>(List.of(new Term())) : new ArrayList<>();
            case Formula.InputBound b -> {
                Term t = new Term();
                t.narrow(b);
                yield new ArrayList<>(List.of(t));
            }
            case Formula.OutputAtom a -> {
                Term t = new Term();
                t.add(a);
                yield new ArrayList<>(List.of(t));
            }
            case Formula.Or or -> {
                List<Term> all = new ArrayList<>();
                for (Formula child : or.children()) {
                    for (Term t : dnf(child)) {
                        if (t.empty()) continue;
                        all.add(t);
                        if (all.size() > maxTerms) throw tooLarge(or.at());
                    }
                }
                yield all;
            }
            case Formula.And and -> conjunction(and);
        };
    }

    /** Literal children update every current term in place; compound children multiply the term list. */
    private List<Term> conjunction(Formula.And and) {
        List<Term> result = new ArrayList<>(List.of(new Term()));
        for (Formula child : and.children()) {
            switch (child) {
                case Formula.InputBound b -> { for (Term t : result) t.narrow(b); }
                case Formula.OutputAtom a -> { for (Term t : result) t.add(a); }
                case Formula.Const c -> { if (!c.value()) return new ArrayList<>(); }
                case Formula.Or or -> result = product(result, dnf(or), or.at());
                case Formula.And inner -> result = product(result, dnf(inner), inner.at());
            }
            result.removeIf(Term::empty);
            if (result.isEmpty()) return result;
        }
        return result;
    }

    private List<Term> product(List<Term> left, List<Term> right, int at) {
        if ((long) left.size() * right.size() > maxTerms) throw tooLarge(at);
        List<Term> out = new ArrayList<>(left.size() * right.size());
        for (Term a : left) {
            for (Term b : right) {
                Term t = merge(a, b);
                if (!t.empty()) out.add(t);
            }
        }
        return out;
    }

    private Term merge(Term a, Term b) {
        Term t = new Term();
        if (a.lo == null || b.lo == null) {
            Term src = a.lo == null ? b : a;
            if (src.lo != null) { // share the one box that exists
                t.lo = src.lo;
                t.hi = src.hi;
                t.shared = src.shared = true;
            }
        } else {
            t.lo = new double[inputs];
            t.hi = new double[inputs];
            for (int i = 0; i < inputs; i++) {
                t.lo[i] = Math.max(a.lo[i], b.lo[i]);
                t.hi[i] = Math.min(a.hi[i], b.hi[i]);
                if (t.lo[i] > t.hi[i] && !t.empty()) t.markEmpty(i);
            }
        }
        // a's rows followed by b's: copy b's list onto a's (b's chain is short in practice).
        Rows rows = a.rows;
        for (Formula.OutputAtom r : reversed(b.rows)) rows = new Rows(r, rows);
        t.rows = rows;
        return t;
    }

    private dev.verity.InvalidInputException tooLarge(int at) {
        return source.error(at, "the property expands to more than " + maxTerms + " alternatives in disjunctive normal form"
                + " (the limit for " + inputs + " inputs); split it into several properties");
    }

    // ---- grouping ----

    /** Cases in order of first appearance of their box; disjuncts in DNF order; rows in file order. */
    private List<Case> group(List<Term> terms) {
        Map<BoxKey, List<Disjunct>> byBox = new LinkedHashMap<>();
        Map<double[], BoxKey> keyOfArray = new IdentityHashMap<>(); // shared boxes: skip hashing thousands of values again
        Map<Formula.OutputAtom, LinearConstraint> rowOf = new IdentityHashMap<>();
        for (Term t : terms) {
            BoxKey key = keyOfArray.computeIfAbsent(t.lo, lo -> new BoxKey(t.lo, t.hi));
            List<LinearConstraint> rows = new ArrayList<>();
            for (Formula.OutputAtom a : reversed(t.rows)) rows.add(rowOf.computeIfAbsent(a, this::dense));
            byBox.computeIfAbsent(key, k -> new ArrayList<>()).add(new Disjunct(rows));
        }
        List<Case> cases = new ArrayList<>(byBox.size());
        for (var e : byBox.entrySet()) cases.add(new Case(new Box(e.getKey().lo, e.getKey().hi), e.getValue()));
        return cases;
    }

    private LinearConstraint dense(Formula.OutputAtom a) {
        double[] c = new double[parsed.outputCount()];
        for (int k = 0; k < a.outputs().length; k++) c[a.outputs()[k]] = a.coefs()[k];
        return new LinearConstraint(c, a.d());
    }

    private static List<Formula.OutputAtom> reversed(Rows rows) {
        List<Formula.OutputAtom> list = new ArrayList<>();
        for (Rows r = rows; r != null; r = r.tail()) list.add(r.head());
        return list.reversed();
    }

    /**
     * A box by content, for grouping terms whose (unshared) boxes are equal. Bounds are finite and never -0.0
     * here. The hash mixes every bit: Arrays.hashCode of bounds like 0.0/1.0/2.0 has all-zero low bits and
     * made thousands of distinct boxes collide.
     */
    private record BoxKey(double[] lo, double[] hi, int hash) {
        BoxKey(double[] lo, double[] hi) { this(lo, hi, mixedHash(lo, hi)); }

        private static int mixedHash(double[] lo, double[] hi) {
            long h = 0x9E3779B97F4A7C15L;
            for (int i = 0; i < lo.length; i++) {
                h = (h ^ mix(Double.doubleToLongBits(lo[i]))) * 0xBF58476D1CE4E5B9L;
                h = (h ^ mix(Double.doubleToLongBits(hi[i]))) * 0x94D049BB133111EBL;
            }
            return (int) (mix(h) >>> 32);
        }

        /** The finaliser of SplitMix64: every input bit affects every output bit. */
        private static long mix(long z) {
            z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
            z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
            return z ^ (z >>> 31);
        }

        @Override public boolean equals(Object o) {
            return o instanceof BoxKey k && hash == k.hash && Arrays.equals(lo, k.lo) && Arrays.equals(hi, k.hi);
        }

        @Override public int hashCode() { return hash; }
    }
}

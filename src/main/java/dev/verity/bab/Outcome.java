package dev.verity.bab;

import dev.verity.attack.Counterexample;

/** What branch and bound (input splitting or ReLU splitting) concluded for one case of a property. */
public sealed interface Outcome {
    /** Domains bounded (the root included). */
    long domains();

    /** Every open disjunct is excluded on every leaf. */
    record Proven(long domains, int maxDepth) implements Outcome {}

    /** A confirmed counterexample. */
    record Refuted(Counterexample counterexample, long domains) implements Outcome {}

    /**
     * Neither, when the run stopped: {@code why} says at what (the deadline, the memory limit, a domain that cannot be split further).
     *
     * @param worstMargin the smallest margin lower bound over the domains still open
     * @param openDomains domains left unproven
     * @param excluded    disjuncts (indices into the case) proven on every domain by then: the later stages need not
     *                    look at them
     */
    record Undecided(String why, long domains, int openDomains, double worstMargin, java.util.List<Integer> excluded) implements Outcome {
        public Undecided {
            excluded = java.util.List.copyOf(excluded);
        }

        public Undecided(String why, long domains, int openDomains, double worstMargin) {
            this(why, domains, openDomains, worstMargin, java.util.List.of());
        }
    }
}

package dev.verity.bab;

/** Whether a computed margin lower bound counts as positive, given the magnitude of the terms it was summed from. */
@FunctionalInterface
public interface Certifier {
    boolean certified(double lower, double magnitude);
}

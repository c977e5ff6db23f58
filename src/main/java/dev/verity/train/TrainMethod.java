package dev.verity.train;

import dev.verity.InvalidInputException;
import dev.verity.bounds.Method;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * What a training run minimises (paper 003 Sec. 2 and App. G; paper 001 Sec. 5). The certified methods train on
 * the bounds of one {@link Method} preset and are certified afterwards with {@link #certifier()}: the same
 * relaxation (003: "we use the same relaxation for both training and certification"), except CROWN-IBP, the
 * defense of Zhang et al., which mixes the CROWN-IBP and IBP losses (β: 1 → 0) and is certified with IBP.
 */
public enum TrainMethod {
    /** Cross-entropy on clean inputs. */
    STANDARD("standard", null, Method.CROWN),
    /** Madry et al.'s adversarial training: cross-entropy on PGD points of the ε-ball. */
    PGD("pgd", null, Method.CROWN),
    BOX("box", Method.IBP, Method.IBP),
    HBOX("hbox", Method.HBOX, Method.HBOX),
    /** hBox as 003's code base trains it: the forward hybrid zonotope ({@link Method#HBOX_FORWARD}); MLPs only. */
    HBOX_FORWARD("hbox-forward", Method.HBOX_FORWARD, Method.HBOX_FORWARD),
    DEEPZ("deepz", Method.DEEPZ, Method.DEEPZ),
    CROWN("crown", Method.CROWN, Method.CROWN),
    CROWN_0("crown-0", Method.CROWN_0, Method.CROWN_0),
    /** The CROWN-IBP defense: β·CROWN-IBP + (1 − β)·IBP bounds, β from 1 to 0 over the ramp-up; certified by IBP. */
    CROWN_IBP("crown-ibp", Method.CROWN_IBP, Method.IBP),
    /** The pure CROWN-IBP relaxation (003's "CROWN-IBP (R)", β: 1 → 1). */
    CROWN_IBP_R("crown-ibp-r", Method.CROWN_IBP, Method.CROWN_IBP),
    /**
     * Paper 001's predictor–verifier training (Sec. 5, eq. 10): the Lagrangian dual bound with multipliers predicted
     * by a verifier network trained jointly ({@link Verifier}). Validated with that dual bound; the exported predictor
     * is certified by any preset (CROWN by default).
     */
    PVT("pvt", null, Method.CROWN);

    private final String cliName;
    private final Method bounds;
    private final Method certifier;

    TrainMethod(String cliName, Method bounds, Method certifier) {
        this.cliName = cliName;
        this.bounds = bounds;
        this.certifier = certifier;
    }

    public String cliName() { return cliName; }

    /** The preset whose bounds the certified loss uses; null for standard and adversarial training. */
    public Method bounds() { return bounds; }

    /** The preset that certifies the trained network (validation during training; the default for reports). */
    public Method certifier() { return certifier; }

    /** Whether the loss has a certified part (a relaxation's bound or PVT's dual bound). */
    public boolean certified() { return bounds != null || this == PVT; }

    public static TrainMethod parse(String name) {
        for (TrainMethod m : values()) if (m.cliName.equalsIgnoreCase(name.trim())) return m;
        throw new InvalidInputException("unknown training method '" + name + "'; one of: " + names());
    }

    public static String names() {
        return Arrays.stream(values()).map(TrainMethod::cliName).collect(Collectors.joining(", "));
    }

    @Override public String toString() { return cliName; }
}

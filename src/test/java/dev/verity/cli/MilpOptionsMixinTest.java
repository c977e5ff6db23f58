package dev.verity.cli;

import dev.verity.milp.MilpOptions;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import static org.junit.jupiter.api.Assertions.*;

/** The MILP options as `verify` and `vnncomp` parse them. */
class MilpOptionsMixinTest {

    private static MilpOptionsMixin parse(String... args) {
        VerifyCommand cmd = new VerifyCommand();
        String[] all = new String[args.length + 2];
        all[0] = "model.onnx";
        all[1] = "spec.vnnlib";
        System.arraycopy(args, 0, all, 2, args.length);
        new CommandLine(cmd).parseArgs(all);
        return cmd.milpOptions;
    }

    @Test
    void refinementForReluSplittingIsOnByDefaultAndCanBeTurnedOff() {
        assertTrue(parse().toOptions().orElseThrow().babRefine());
        assertFalse(parse("--no-bab-refine").toOptions().orElseThrow().babRefine());
        assertTrue(parse("--bab-refine").toOptions().orElseThrow().babRefine());
        assertTrue(parse("--no-milp").toOptions().isEmpty(), "no MILP, no refinement either");
    }

    @Test
    void theOtherSettingsReachTheOptions() {
        MilpOptions o = parse("--milp-solver", "cbc", "--milp-tightening", "milp-all", "--neuron-budget", "0.5").toOptions().orElseThrow();
        assertEquals(dev.verity.milp.MilpBackend.CBC, o.backend());
        assertEquals(MilpOptions.Tightening.MILP_ALL, o.tightening());
        assertEquals(java.time.Duration.ofMillis(500), o.neuronBudget());
    }
}

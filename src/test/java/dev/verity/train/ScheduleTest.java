package dev.verity.train;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Paper 003 App. G's schedules and Table 6's presets. */
class ScheduleTest {
    @Test
    void warmupThenLinearRampThenConstant() {
        // 10 warm-up epochs, 100 ramp-up, ε 0 → 0.3, κ 1 → 0, 600 steps per epoch (MNIST / 100).
        Schedule s = new Schedule(200, 10, 100, 0.3, 0, 0, 5e-4, Schedule.LrSchedule.MILESTONES);
        assertEquals(0, s.eps(9, 599, 600));
        assertEquals(1, s.kappa(9, 599, 600));
        assertEquals(0.3 / (100 * 600), s.eps(10, 0, 600), 1e-15);
        assertEquals(0.15, s.eps(59, 599, 600), 1e-12);
        assertEquals(0.5, s.kappa(59, 599, 600), 1e-12);
        assertEquals(0.5, s.beta(59, 599, 600), 1e-12);
        assertEquals(0.3, s.eps(109, 599, 600), 1e-15);
        assertEquals(0.3, s.eps(150, 3, 600), 1e-15);
        assertEquals(0, s.kappa(150, 3, 600), 1e-15);
        assertEquals(5e-4, s.learningRate(129), 1e-18);
        assertEquals(5e-5, s.learningRate(130), 1e-18);
        assertEquals(5e-6, s.learningRate(190), 1e-18);
    }

    @Test
    void stepsHalveEveryTwentyOfTwoHundredEpochs() {
        Schedule s = new Schedule(200, 0, 50, 0.3, 0.001, 0, 1e-3, Schedule.LrSchedule.STEPS);
        assertEquals(1e-3, s.learningRate(19), 1e-18);
        assertEquals(5e-4, s.learningRate(20), 1e-18);
        assertEquals(1e-3 / 8, s.learningRate(60), 1e-18);
        assertEquals(0.001 + (0.3 - 0.001) / (50 * 10), s.eps(0, 0, 10), 1e-15); // the ramp starts from ε_start
    }

    @Test
    void presetsAreTable6() {
        assertEquals(36 + 3, Presets.rows().size()); // and 003's three FC hBox rows again under hbox-forward, its code's hBox
        Presets.Row hf = Presets.get("fc-hbox-forward-0.3"), hb = Presets.get("fc-hbox-0.3");
        assertEquals(TrainMethod.HBOX_FORWARD, hf.method());
        assertEquals(List.of(hb.epsTrain(), hb.warmup(), hb.rampup(), hb.kappaEnd(), hb.l1(), hb.lr()),
                List.of(hf.epsTrain(), hf.warmup(), hf.rampup(), hf.kappaEnd(), hf.l1(), hf.lr()));
        Presets.Row r = Presets.get("fc-box-0.1");
        assertEquals(0.2, r.epsTrain());
        assertEquals(10, r.warmup());
        assertEquals(100, r.rampup());
        assertEquals(0.5, r.kappaEnd());
        assertEquals(5e-6, r.l1());
        Presets.Row dz = Presets.get("fc-deepz-0.3");
        assertEquals(Schedule.LrSchedule.STEPS, dz.lrSchedule());
        assertEquals(false, dz.elision());
        assertEquals(1e-3, dz.lr());
        assertEquals(TrainMethod.CROWN_IBP_R, Presets.get("conv-crown-ibp-r-0.3").method());
        // A reduced schedule keeps the shape: 20 of 200 epochs → 1 warm-up, 10 ramp-up.
        Schedule s = Presets.schedule(Presets.get("fc-box-0.3"), 20);
        assertEquals(1, s.warmup());
        assertEquals(10, s.rampup());
        assertThrows(dev.verity.InvalidInputException.class, () -> Presets.get("fc-box-0.5"));
    }

    @Test
    void theTrainingBenchTimesEveryStepAtFullCost() {
        // ε at its value from the first step; κ < 1 so the certified loss is computed; CROWN-IBP's β strictly between 0
        // and 1 so both of its bounds are (β = 0, a finished ramp, would time IBP alone).
        Schedule s = TrainBench.timedSchedule(0.1);
        int steps = 600;
        for (int step : new int[] {0, steps / 2, steps - 1}) {
            assertEquals(0.1, s.eps(0, step, steps), 1e-15);
            double kappa = s.kappa(0, step, steps), beta = s.beta(0, step, steps);
            assertTrue(kappa < 1 && kappa > 0.99, "kappa " + kappa);
            assertTrue(beta < 1 && beta > 0.99, "beta " + beta);
        }
    }
}

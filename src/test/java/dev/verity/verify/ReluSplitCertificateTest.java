package dev.verity.verify;

import dev.verity.bab.BabOptions;
import dev.verity.bab.Outcome;
import dev.verity.bab.ProofRecorder;
import dev.verity.bab.ReluSplit;
import dev.verity.bounds.BoundEngine;
import dev.verity.check.Certificate;
import dev.verity.check.CertificateChecker;
import dev.verity.check.CertificateJson;
import dev.verity.model.Forward;
import dev.verity.model.Layer;
import dev.verity.model.Network;
import dev.verity.model.Shape;
import dev.verity.spec.Box;
import dev.verity.spec.Case;
import dev.verity.spec.Disjunct;
import dev.verity.spec.LinearConstraint;
import dev.verity.spec.VnnlibProperty;
import dev.verity.tensor.Tensor;
import dev.verity.testing.RandomLayers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Certificates of ReLU-splitting proofs (β-CROWN): neuron splits, empty children, and exclusions that carry slopes α and
 * split multipliers β. The checker accepts what the prover proved and rejects every tampered variant.
 */
class ReluSplitCertificateTest {
    private static final String MODEL = "a".repeat(64), PROPERTY = "b".repeat(64);

    /**
     * The hand-built net of {@code ReluSplitTest} with 20 inputs ({@code y = 4.5 − relu(x1 + x2) − relu(x1 − x2 + 2)},
     * unsafe y ≤ 0, proved by one split and nothing less): {@code verify} decides it by {@code bab-relu}, and the
     * certificate is the split with one exclusion per child, accepted by the checker; without the split, with a raised
     * claim, or with a child declared empty it is rejected.
     */
    @Test
    void certifiesTheOneSplitProof(@TempDir Path dir) {
        Network net = dev.verity.testing.HandNets.oneSplit(20);
        VnnlibProperty p = dev.verity.testing.HandNets.oneSplitProperty(20);
        VerificationResult res = Verifier.verify(net, p, VerifyOptions.defaults(Duration.ofSeconds(60)));
        assertEquals(Verifier.RELU_SPLIT, res.method());
        Certificate cert = new CertificateWriter(net, BabOptions.defaults()).write(p, res, MODEL, PROPERTY, Duration.ofSeconds(20));
        assertEquals(List.of(), cert.missing());
        assertEquals(1, cert.cases().size());
        assertEquals(List.of(0), cert.cases().getFirst().disjuncts());
        Certificate.Node root = cert.cases().getFirst().root();
        Certificate.NeuronSplit split = assertInstanceOf(Certificate.NeuronSplit.class, root.split());
        assertEquals(1, split.block());
        assertEquals(0, split.neuron(), "the unstable neuron relu(x1 + x2)");
        for (Certificate.Node child : List.of(split.inactive(), split.active())) {
            assertEquals(1, child.excluded().size());
            assertEquals(0.5, child.excluded().getFirst().bound(), 1e-5, "both halves are linear with minimum 0.5");
        }
        CertificateChecker.Result ok = CertificateChecker.check(net, p, MODEL, PROPERTY, cert);
        assertTrue(ok.accepted(), ok.reason());
        assertEquals(3, ok.boxes());

        Path file = dir.resolve("c.json");
        CertificateJson.write(cert, file);
        assertEquals(cert, CertificateJson.read(file), "JSON round trip");

        Certificate cut = CertificateTrees.mapNodes(cert, n -> n.split() == null ? n : new Certificate.Node(n.excluded(), null));
        assertFalse(CertificateChecker.check(net, p, MODEL, PROPERTY, cut).accepted(), "the root alone proves nothing");
        assertFalse(CertificateChecker.check(net, p, MODEL, PROPERTY, CertificateTest.raiseFirstBound(cert)).accepted());
        Certificate claimedEmpty = CertificateTrees.mapNodes(cert, n -> n.split() == null ? new Certificate.Node(List.of(), null, true) : n);
        CertificateChecker.Result no = CertificateChecker.check(net, p, MODEL, PROPERTY, claimedEmpty);
        assertFalse(no.accepted());
        assertTrue(no.reason().contains("claimed empty"), no.reason());
    }

    /**
     * A verdict the MILP gave (solver-trusted: no bound stage, no branch and bound) still gets a complete certificate:
     * the writer proves the disjunct again by ReLU splitting, independently of the solver, and the checker accepts it.
     */
    @Test
    void certifiesAVerdictTheMilpGaveByReluSplitting() {
        Network net = dev.verity.testing.HandNets.oneSplit(20);
        VnnlibProperty p = dev.verity.testing.HandNets.oneSplitProperty(20);
        VerificationResult res = Verifier.verify(net, p, VerifyOptions.defaults(Duration.ofSeconds(60))
                .withExplicitMethods(List.of()).withBab(java.util.Optional.empty()));
        assertEquals(Verdict.VERIFIED, res.verdict());
        assertTrue(res.solverTrusted(), "decided by the MILP: " + res.evidence());
        Certificate cert = new CertificateWriter(net, BabOptions.defaults()).write(p, res, MODEL, PROPERTY, Duration.ofSeconds(20));
        assertEquals(List.of(), cert.missing());
        CertificateChecker.Result ok = CertificateChecker.check(net, p, MODEL, PROPERTY, cert);
        assertTrue(ok.accepted(), ok.reason());
    }

    /**
     * A domain that holds no point: {@code y = relu(x) + 1} on {@code x ∈ [−1, 1]}, split on the neuron, the active side
     * split again on the input at −0.5. On {@code [−1, −0.5]} with {@code x ≥ 0} there is no point: the checker's
     * interval for the neuron, [−1, −0.5], contradicts the path's split, so the leaf may be declared empty. Declaring the
     * other half empty, or the neuron's inactive side, is rejected.
     */
    @Test
    void acceptsAnEmptyDomainOnlyWhereTheBoundsContradictItsPath() {
        Network.Builder b = Network.builder(new Shape(1));
        b.add(new Layer.Dense(Tensor.matrix(new double[][] {{1}}), Tensor.vector(0)));
        b.add(new Layer.Relu());
        b.add(new Layer.Dense(Tensor.matrix(new double[][] {{1}}), Tensor.vector(1)));
        Network net = b.build();
        VnnlibProperty p = new VnnlibProperty(1, 1, List.of(new Case(new Box(new double[] {-1}, new double[] {1}),
                List.of(new Disjunct(new LinearConstraint(new double[] {1}, 0))))));
        Certificate.Node excluded = new Certificate.Node(List.of(new Certificate.Exclusion(0, 0, 0.5)), null);
        Certificate.Node empty = new Certificate.Node(List.of(), null, true);
        java.util.function.Function<Certificate.Node[], Certificate.Node> tree = kids -> new Certificate.Node(List.of(),
                new Certificate.NeuronSplit(1, 0, kids[0], new Certificate.Node(List.of(), new Certificate.Split(0, -0.5, kids[1], kids[2]))));
        Certificate good = new Certificate(MODEL, PROPERTY, List.of(new Certificate.CaseProof(0,
                tree.apply(new Certificate.Node[] {excluded, empty, excluded}))), List.of());
        CertificateChecker.Result ok = CertificateChecker.check(net, p, MODEL, PROPERTY, good);
        assertTrue(ok.accepted(), ok.reason());
        for (Certificate.Node[] bad : List.of(new Certificate.Node[] {excluded, empty, empty}, new Certificate.Node[] {empty, empty, excluded})) {
            CertificateChecker.Result no = CertificateChecker.check(net, p, MODEL, PROPERTY,
                    new Certificate(MODEL, PROPERTY, List.of(new Certificate.CaseProof(0, tree.apply(bad))), List.of()));
            assertFalse(no.accepted());
            assertTrue(no.reason().contains("claimed empty"), no.reason());
        }
    }

    /**
     * Random 20-input ReLU nets with three hidden layers and margins near the value at the box's centre, decided by ReLU
     * splitting with a recorder: every proof's certificate is accepted (many with splits, multipliers β > 0 and empty
     * children among them); raising a claim, flipping a β's sign, moving a slope outside [0, 1], putting every β at
     * 10⁶, or offering the certificate for a property that sampling refutes gets it rejected.
     */
    @Test
    void acceptsRandomProofsAndRejectsTampering() {
        SplittableRandom r = new SplittableRandom(31);
        int proven = 0, split = 0, withBeta = 0, withEmpty = 0, betaMatters = 0;
        for (int t = 0; t < 80; t++) {
            Network net = RandomLayers.mlp(r, new int[] {20, 12, 12, 12, 2}, new Layer.Relu());
            Margin m = Margin.below(net, r, 0.05, 0.3, 0.0, 0.8);
            Box box = m.box();
            double[] y = m.y();
            VnnlibProperty p = m.property();
            ProofRecorder recorder = new ProofRecorder();
            Outcome o = new ReluSplit(new BoundEngine(net), BabOptions.defaults(), Margins::certified)
                    .decide(p, 0, List.of(0), System.nanoTime() + 3_000_000_000L, Map.of(), recorder);
            if (!(o instanceof Outcome.Proven)) continue;
            proven++;
            Certificate.Node tree = recorder.ownTrees().get(0);
            Certificate cert = new Certificate(MODEL, PROPERTY, List.of(new Certificate.CaseProof(0, List.of(0), tree)), List.of());
            CertificateChecker.Result ok = CertificateChecker.check(net, p, MODEL, PROPERTY, cert);
            assertTrue(ok.accepted(), "net " + t + ": " + ok.reason());
            if (tree.split() == null) continue;
            split++;
            boolean beta = anyExclusion(tree, e -> e.beta() != null && java.util.Arrays.stream(e.beta()).anyMatch(x -> x > 0));
            if (beta) withBeta++;
            if (any(tree, Certificate.Node::empty)) withEmpty++;

            assertFalse(CertificateChecker.check(net, p, MODEL, PROPERTY, CertificateTest.raiseFirstBound(cert)).accepted(), "net " + t + ": raised");
            if (beta) {
                Certificate negative = CertificateTrees.mapExclusions(cert, e -> e.beta() == null ? e : withBeta(e, x -> -x - 1e-3));
                CertificateChecker.Result no = CertificateChecker.check(net, p, MODEL, PROPERTY, negative);
                assertFalse(no.accepted(), "net " + t + ": negative multipliers");
                assertTrue(no.reason().contains("multiplier"), no.reason());
                Certificate huge = CertificateTrees.mapExclusions(cert, e -> e.beta() == null ? e : withBeta(e, x -> 1e6));
                assertFalse(CertificateChecker.check(net, p, MODEL, PROPERTY, huge).accepted(), "net " + t + ": β = 10⁶ everywhere");
                Certificate none = CertificateTrees.mapExclusions(cert, e -> e.beta() == null ? e : withBeta(e, x -> 0));
                if (!CertificateChecker.check(net, p, MODEL, PROPERTY, none).accepted()) betaMatters++;
            }
            Certificate steep = CertificateTrees.mapExclusions(cert, e -> e.alpha() == null || e.alpha().size() == 0 ? e
                    : new Certificate.Exclusion(e.disjunct(), e.row(), e.bound(), null, new Certificate.Slopes(e.alpha().block(), e.alpha().neuron(),
                    java.util.Arrays.stream(e.alpha().value()).map(x -> 1.5).toArray()), e.beta()));
            if (anyExclusion(tree, e -> e.alpha() != null && e.alpha().size() > 0))
                assertFalse(CertificateChecker.check(net, p, MODEL, PROPERTY, steep).accepted(), "net " + t + ": slopes 1.5");
            // the same tree offered for a margin above the centre's value (false: the centre is a counterexample)
            VnnlibProperty false_ = new VnnlibProperty(20, 2, List.of(new Case(box, List.of(new Disjunct(
                    new LinearConstraint(new double[] {1, -1}, -(y[0] - y[1] + 0.01)))))));
            assertFalse(CertificateChecker.check(net, false_, MODEL, PROPERTY, cert).accepted(), "net " + t + ": a false property");
        }
        assertTrue(proven >= 12 && split >= 8 && withBeta >= 4 && betaMatters >= 2,
                "proven " + proven + ", with splits " + split + ", with β > 0 " + withBeta + ", with an empty child " + withEmpty
                        + ", rejected without β " + betaMatters);
    }

    /**
     * A recorded run with the large-network settings (children keep their parent's bounds when nothing is recorded)
     * still recomputes each child's bounds, as the checker does: every proof it records is accepted.
     */
    @Test
    void aRecordedRunWithTheLargeNetworkSettingsIsAccepted() {
        SplittableRandom r = new SplittableRandom(37);
        int proven = 0, split = 0;
        for (int t = 0; t < 40; t++) {
            Network net = RandomLayers.mlp(r, new int[] {20, 12, 12, 12, 2}, new Layer.Relu());
            Margin m = Margin.below(net, r, 0.05, 0.3, 0.0, 0.8);
            ProofRecorder recorder = new ProofRecorder();
            Outcome o = new ReluSplit(new BoundEngine(net), BabOptions.defaults().forLargeNetworks(), Margins::certified)
                    .decide(m.property(), 0, List.of(0), System.nanoTime() + 3_000_000_000L, Map.of(), recorder);
            if (!(o instanceof Outcome.Proven)) continue;
            proven++;
            Certificate.Node tree = recorder.ownTrees().get(0);
            if (tree.split() != null) split++;
            Certificate cert = new Certificate(MODEL, PROPERTY, List.of(new Certificate.CaseProof(0, List.of(0), tree)), List.of());
            CertificateChecker.Result ok = CertificateChecker.check(net, m.property(), MODEL, PROPERTY, cert);
            assertTrue(ok.accepted(), "net " + t + ": " + ok.reason());
        }
        assertTrue(proven >= 5 && split >= 3, "proven " + proven + ", with splits " + split);
    }

    /**
     * Random 20-input nets decided by {@code verify} with alpha-CROWN or ReLU splitting (over alpha-CROWN's intermediate
     * bounds): the writer repeats the splitting from intermediate bounds tightened with recorded slopes, and the checker
     * accepts every such certificate; slopes outside [0, 1], a slope of the neuron's own block, or the case's slopes
     * dropped get it rejected.
     */
    @Test
    void certifiesVerdictsThatRestOnTightenedIntermediateBounds() {
        SplittableRandom r = new SplittableRandom(43);
        int tightened = 0;
        java.util.Map<String, Integer> by = new java.util.TreeMap<>();
        for (int t = 0; t < 60 && tightened < 6; t++) {
            Network net = RandomLayers.mlp(r, new int[] {20, 16, 16, 16, 2}, new Layer.Relu());
            VnnlibProperty p = Margin.below(net, r, 0.2, 0.6, 0.5, 2.0).property();
            VerificationResult res = Verifier.verify(net, p, VerifyOptions.defaults(Duration.ofSeconds(20)));
            by.merge(res.verdict() + " " + res.method(), 1, Integer::sum);
            if (res.verdict() != Verdict.VERIFIED || !List.of("alpha-crown", Verifier.RELU_SPLIT).contains(res.method())) continue;
            Certificate cert = new CertificateWriter(net, BabOptions.defaults()).write(p, res, MODEL, PROPERTY, Duration.ofSeconds(20));
            assertEquals(List.of(), cert.missing(), "net " + t + " (" + res.method() + ")");
            CertificateChecker.Result ok = CertificateChecker.check(net, p, MODEL, PROPERTY, cert);
            assertTrue(ok.accepted(), "net " + t + " (" + res.method() + "): " + ok.reason());
            if (cert.bounds().isEmpty() || cert.bounds().getFirst().slopes().isEmpty()) continue;
            tightened++;
            List<Certificate.BoundSlopes> slopes = cert.bounds().getFirst().slopes();
            Certificate.BoundSlopes b0 = slopes.getFirst();
            List<Certificate.BoundSlopes> steep = new ArrayList<>(slopes);
            steep.set(0, new Certificate.BoundSlopes(b0.block(), b0.neuron(), b0.upper(), new Certificate.Slopes(b0.alpha().block(), b0.alpha().neuron(),
                    java.util.Arrays.stream(b0.alpha().value()).map(x -> 1.5).toArray())));
            List<Certificate.BoundSlopes> own = new ArrayList<>(slopes);
            own.set(0, new Certificate.BoundSlopes(b0.block(), b0.neuron(), b0.upper(), new Certificate.Slopes(new int[] {b0.block()}, new int[] {0}, new double[] {0.5})));
            for (var bad : List.of(steep, own)) {
                Certificate tampered = new Certificate(MODEL, PROPERTY, cert.cases(), List.of(), List.of(new Certificate.CaseBounds(0, bad)));
                if (b0.alpha().size() == 0 && bad == steep) continue;
                assertFalse(CertificateChecker.check(net, p, MODEL, PROPERTY, tampered).accepted(), "net " + t + ": tampered slopes accepted");
            }
            CertificateChecker.Result noBounds = CertificateChecker.check(net, p, MODEL, PROPERTY, new Certificate(MODEL, PROPERTY, cert.cases(), List.of()));
            assertFalse(noBounds.accepted());
            assertTrue(noBounds.reason().contains("without the case's bounds"), noBounds.reason());
        }
        assertTrue(tightened >= 3, "certificates with tightened intermediate bounds: " + tightened + "; verdicts " + by);
    }

    /**
     * A box around a random point of [−1, 1]^20 and the property "y0 − y1 stays above its value at the centre minus a
     * margin": safe or not depending on the net.
     */
    private record Margin(Box box, double[] y, VnnlibProperty property) {
        static Margin below(Network net, SplittableRandom r, double radiusLo, double radiusHi, double marginLo, double marginHi) {
            double[] c = new double[20];
            for (int j = 0; j < 20; j++) c[j] = r.nextDouble(-1, 1);
            Box box = Box.around(c, r.nextDouble(radiusLo, radiusHi));
            double[] y = Forward.evaluate(net, new Tensor(box.center(), 20)).data();
            double v = (y[0] - y[1]) - r.nextDouble(marginLo, marginHi);
            return new Margin(box, y, new VnnlibProperty(20, 2, List.of(new Case(box, List.of(new Disjunct(new LinearConstraint(new double[] {1, -1}, -v)))))));
        }
    }

    private static Certificate.Exclusion withBeta(Certificate.Exclusion e, java.util.function.DoubleUnaryOperator f) {
        return new Certificate.Exclusion(e.disjunct(), e.row(), e.bound(), e.weights(), e.alpha(), java.util.Arrays.stream(e.beta()).map(f).toArray());
    }

    private static boolean anyExclusion(Certificate.Node n, java.util.function.Predicate<Certificate.Exclusion> p) {
        return any(n, x -> x.excluded().stream().anyMatch(p));
    }

    private static boolean any(Certificate.Node n, java.util.function.Predicate<Certificate.Node> p) {
        if (p.test(n)) return true;
        return switch (n.split()) {
            case null -> false;
            case Certificate.Split s -> any(s.low(), p) || any(s.high(), p);
            case Certificate.NeuronSplit s -> any(s.inactive(), p) || any(s.active(), p);
        };
    }
}

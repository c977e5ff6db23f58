package dev.verity.verify;

import dev.verity.bab.BabOptions;
import dev.verity.check.Certificate;
import dev.verity.check.CertificateChecker;
import dev.verity.check.CertificateJson;
import dev.verity.model.Forward;
import dev.verity.model.Layer;
import dev.verity.model.Network;
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
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

/** Certificates of VERIFIED verdicts: the checker accepts them, and rejects every kind of tampering. */
class CertificateTest {
    private static final String MODEL = "a".repeat(64), PROPERTY = "b".repeat(64);

    /**
     * Random two-input nets and margins a little below the centre's: every VERIFIED verdict (by a bound on the box or by
     * input splitting) gets a certificate the checker accepts, before and after a JSON round trip; raising one claimed
     * bound above what follows, dropping a split, or naming another model or property gets it rejected.
     */
    @Test
    void acceptsEveryVerdictsCertificateAndRejectsTampering(@TempDir Path dir) {
        SplittableRandom r = new SplittableRandom(17);
        int verified = 0, trees = 0;
        for (int t = 0; t < 60; t++) {
            Network net = RandomLayers.mlp(r, new int[] {2, 8, 8, 3}, new Layer.Relu());
            double[] c = {r.nextDouble(-1, 1), r.nextDouble(-1, 1)};
            Box box = Box.around(c, r.nextDouble(0.1, 0.6));
            double[] y = Forward.evaluate(net, new Tensor(box.center(), 2)).data();
            // two disjuncts: y0 − y1 <= v1 or y0 − y2 <= v2, each a little below the centre's value
            List<Disjunct> unsafe = List.of(
                    new Disjunct(new LinearConstraint(new double[] {1, -1, 0}, -(y[0] - y[1] - r.nextDouble(0.1, 0.8)))),
                    new Disjunct(new LinearConstraint(new double[] {1, 0, -1}, -(y[0] - y[2] - r.nextDouble(0.1, 0.8)))));
            VnnlibProperty p = new VnnlibProperty(2, 3, List.of(new Case(box, unsafe)));
            VerificationResult res = Verifier.verify(net, p, VerifyOptions.defaults(Duration.ofSeconds(20)));
            if (res.verdict() != Verdict.VERIFIED) continue;
            verified++;
            Certificate cert = new CertificateWriter(net, BabOptions.defaults()).write(p, res, MODEL, PROPERTY, Duration.ofSeconds(20));
            if (res.evidence().stream().anyMatch(e -> e.kind() == Evidence.Kind.SOLVER) && !cert.missing().isEmpty()) {
                // a MILP exclusion that the repeated ReLU splitting does not prove stays missing, and the certificate is refused
                assertTrue(cert.missing().stream().anyMatch(m -> m.contains("MILP solver")), cert.missing().toString());
                assertFalse(CertificateChecker.check(net, p, MODEL, PROPERTY, cert).accepted());
                continue;
            }
            assertTrue(cert.missing().isEmpty(), "net " + t + ": " + cert.missing());
            CertificateChecker.Result ok = CertificateChecker.check(net, p, MODEL, PROPERTY, cert);
            assertTrue(ok.accepted(), "net " + t + " (" + res.method() + "): " + ok.reason());
            Path file = dir.resolve("c" + t + ".json");
            CertificateJson.write(cert, file);
            Certificate back = CertificateJson.read(file);
            assertEquals(cert, back, "JSON round trip");
            assertTrue(CertificateChecker.check(net, p, MODEL, PROPERTY, back).accepted());

            assertFalse(CertificateChecker.check(net, p, PROPERTY, PROPERTY, cert).accepted(), "another model's hash");
            assertFalse(CertificateChecker.check(net, p, MODEL, MODEL, cert).accepted(), "another property's hash");
            Certificate raised = raiseFirstBound(cert);
            CertificateChecker.Result no = CertificateChecker.check(net, p, MODEL, PROPERTY, raised);
            assertFalse(no.accepted(), "net " + t + ": a raised bound was accepted");
            assertTrue(no.reason().contains("claimed bound"), no.reason());
            Certificate.Node root = cert.cases().getFirst().root();
            if (root.split() instanceof Certificate.Split s) {
                trees++;
                Certificate cut = new Certificate(MODEL, PROPERTY,
                        List.of(new Certificate.CaseProof(0, new Certificate.Node(root.excluded(), null))), List.of());
                assertFalse(CertificateChecker.check(net, p, MODEL, PROPERTY, cut).accepted(), "a tree without its split");
                Certificate outside = new Certificate(MODEL, PROPERTY, List.of(new Certificate.CaseProof(0, new Certificate.Node(root.excluded(),
                        new Certificate.Split(s.dim(), box.upper(s.dim()) + 1, s.low(), s.high())))), List.of());
                assertFalse(CertificateChecker.check(net, p, MODEL, PROPERTY, outside).accepted(), "a split outside the box");
            }
            // the same certificate offered for a property that does not hold (a disjunct above the centre's value)
            List<Disjunct> false_ = List.of(unsafe.get(0), new Disjunct(new LinearConstraint(new double[] {1, 0, -1}, -(y[0] - y[2] + 0.01))));
            assertFalse(CertificateChecker.check(net, new VnnlibProperty(2, 3, List.of(new Case(box, false_))), MODEL, PROPERTY, cert).accepted());
        }
        assertTrue(verified >= 12 && trees >= 3, "verified " + verified + ", by input splitting " + trees);
    }

    /**
     * One disjunct of two rows (unsafe: y0 − y1 ≤ v1 and y0 − y2 ≤ v2): some boxes are excluded only by a weighted
     * combination of the rows. Those certificates are accepted, and rejected with a claimed bound raised, with a negative
     * weight, or with the weights moved onto one row.
     */
    @Test
    void acceptsExclusionsByACombinationOfRowsAndRejectsTamperedWeights() {
        SplittableRandom r = new SplittableRandom(29);
        int combined = 0;
        for (int t = 0; t < 60 && combined < 8; t++) {
            Network net = RandomLayers.mlp(r, new int[] {2, 8, 8, 3}, new Layer.Relu());
            Box box = Box.around(new double[] {r.nextDouble(-1, 1), r.nextDouble(-1, 1)}, r.nextDouble(0.1, 0.6));
            double[] y = Forward.evaluate(net, new Tensor(box.center(), 2)).data();
            List<Disjunct> unsafe = List.of(new Disjunct(
                    new LinearConstraint(new double[] {1, -1, 0}, -(y[0] - y[1] - r.nextDouble(0.1, 0.8))),
                    new LinearConstraint(new double[] {1, 0, -1}, -(y[0] - y[2] - r.nextDouble(0.1, 0.8)))));
            VnnlibProperty p = new VnnlibProperty(2, 3, List.of(new Case(box, unsafe)));
            VerificationResult res = Verifier.verify(net, p, VerifyOptions.defaults(Duration.ofSeconds(20)));
            if (res.verdict() != Verdict.VERIFIED || res.evidence().stream().anyMatch(e -> e.kind() == Evidence.Kind.SOLVER)) continue;
            Certificate cert = new CertificateWriter(net, BabOptions.defaults()).write(p, res, MODEL, PROPERTY, Duration.ofSeconds(20));
            CertificateChecker.Result ok = CertificateChecker.check(net, p, MODEL, PROPERTY, cert);
            assertTrue(ok.accepted(), "net " + t + " (" + res.method() + "): " + ok.reason());
            if (!hasCombination(cert.cases().getFirst().root())) continue;
            combined++;
            for (java.util.function.UnaryOperator<Certificate.Exclusion> tamper : List.<java.util.function.UnaryOperator<Certificate.Exclusion>>of(
                    e -> new Certificate.Exclusion(e.disjunct(), -1, 2 * e.bound() + 1, e.weights()),
                    e -> new Certificate.Exclusion(e.disjunct(), -1, e.bound(), new double[] {-e.weights()[0], e.weights()[1]}),
                    e -> new Certificate.Exclusion(e.disjunct(), -1, e.bound(), new double[] {1, 0}),
                    e -> new Certificate.Exclusion(e.disjunct(), -1, e.bound(), new double[] {0, 1}))) {
                Certificate bad = new Certificate(MODEL, PROPERTY, List.of(new Certificate.CaseProof(0,
                        tamperCombinations(cert.cases().getFirst().root(), tamper))), List.of());
                assertFalse(CertificateChecker.check(net, p, MODEL, PROPERTY, bad).accepted(), "net " + t + ": tampered weights accepted");
            }
        }
        assertTrue(combined >= 3, "certificates with a combination: " + combined);
    }

    private static boolean hasCombination(Certificate.Node n) {
        if (n.excluded().stream().anyMatch(e -> e.weights() != null)) return true;
        return n.split() instanceof Certificate.Split s && (hasCombination(s.low()) || hasCombination(s.high()));
    }

    private static Certificate.Node tamperCombinations(Certificate.Node n, java.util.function.UnaryOperator<Certificate.Exclusion> tamper) {
        return CertificateTrees.mapExclusions(n, e -> e.weights() == null ? e : tamper.apply(e));
    }

    /** A certificate with the first claimed bound doubled plus one: no longer follows from the model. */
    static Certificate raiseFirstBound(Certificate cert) {
        boolean[] done = {false};
        Certificate raised = CertificateTrees.mapExclusions(cert, e -> {
            if (done[0]) return e;
            done[0] = true;
            return new Certificate.Exclusion(e.disjunct(), e.row(), 2 * e.bound() + 1, e.weights(), e.alpha(), e.beta());
        });
        assertTrue(done[0], "the certificate has no exclusion to raise");
        return raised;
    }
}

package dev.verity.verify;

import dev.verity.check.Certificate;

import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/** Rewrites of certificate trees for tampering tests: every exclusion or every node mapped, depth first, low side first. */
final class CertificateTrees {
    private CertificateTrees() {}

    static Certificate mapExclusions(Certificate cert, UnaryOperator<Certificate.Exclusion> f) {
        return mapNodes(cert, n -> new Certificate.Node(n.excluded().stream().map(f).toList(), n.split(), n.empty()));
    }

    static Certificate.Node mapExclusions(Certificate.Node node, UnaryOperator<Certificate.Exclusion> f) {
        return mapNodes(node, n -> new Certificate.Node(n.excluded().stream().map(f).toList(), n.split(), n.empty()));
    }

    /** The certificate with {@code f} applied to every node after its children were rewritten. */
    static Certificate mapNodes(Certificate cert, UnaryOperator<Certificate.Node> f) {
        List<Certificate.CaseProof> cases = new ArrayList<>();
        for (Certificate.CaseProof p : cert.cases()) cases.add(new Certificate.CaseProof(p.caseIndex(), p.disjuncts(), mapNodes(p.root(), f)));
        return new Certificate(cert.modelSha256(), cert.propertySha256(), cases, cert.missing());
    }

    static Certificate.Node mapNodes(Certificate.Node n, UnaryOperator<Certificate.Node> f) {
        Certificate.Branch split = switch (n.split()) {
            case null -> null;
            case Certificate.Split s -> new Certificate.Split(s.dim(), s.at(), mapNodes(s.low(), f), mapNodes(s.high(), f));
            case Certificate.NeuronSplit s -> new Certificate.NeuronSplit(s.block(), s.neuron(), mapNodes(s.inactive(), f), mapNodes(s.active(), f));
        };
        return f.apply(new Certificate.Node(n.excluded(), split, n.empty()));
    }
}

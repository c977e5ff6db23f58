package dev.verity.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.verity.InvalidInputException;
import dev.verity.check.Certificate;
import dev.verity.check.CertificateChecker;
import dev.verity.check.CertificateJson;
import dev.verity.model.Network;
import dev.verity.spec.VnnlibProperty;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "check", mixinStandardHelpOptions = true,
        description = {"Re-checks a certificate written by `verify --certificate` against the model and the property, "
                + "independently of the bound engine: the SHA-256 of both files, a proof for every case, splits that cover "
                + "each box, and every claimed bound recomputed with rigorously rounded interval arithmetic and CROWN "
                + "back-substitution (Dense/ReLU networks).",
                "Prints accepted or rejected (with the first reason) as the last line.",
                "Exit status: 0 accepted, 40 rejected, 2 bad input, 1 internal error.",
                "JSON keys: accepted, reason, boxes, time_ms, model_sha256, property_sha256."})
final class CheckCommand implements Callable<Integer> {
    static final int EXIT_REJECTED = 40;

    @Parameters(index = "0", paramLabel = "MODEL", description = "ONNX model (.onnx or .onnx.gz)")
    Path model;

    @Parameters(index = "1", paramLabel = "SPEC", description = "VNN-LIB property (.vnnlib, gzip accepted)")
    Path property;

    @Parameters(index = "2", paramLabel = "CERTIFICATE", description = "the certificate file (JSON)")
    Path certificate;

    @Option(names = "--json", description = "Print one JSON object instead of text.")
    boolean json;

    @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override public Integer call() {
        Network net = Models.load(model);
        VnnlibProperty p = Properties.load(property, net, model);
        if (!Files.isRegularFile(certificate)) throw new InvalidInputException("certificate file not found: " + certificate);
        Certificate cert;
        try {
            cert = CertificateJson.read(certificate);
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException(e.getMessage());
        }
        String modelSha = dev.verity.io.Digests.sha256(model), propertySha = dev.verity.io.Digests.sha256(property);
        CertificateChecker.Result r = CertificateChecker.check(net, p, modelSha, propertySha, cert);
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            ObjectNode o = Json.MAPPER.createObjectNode();
            o.put("accepted", r.accepted());
            o.put("reason", r.reason());
            o.put("boxes", r.boxes());
            o.put("time_ms", r.nanos() / 1_000_000);
            o.put("model_sha256", modelSha);
            o.put("property_sha256", propertySha);
            out.println(Json.write(o));
        } else {
            out.printf("model     %s: sha256 %s%n", model, modelSha);
            out.printf("property  %s: sha256 %s%n", property, propertySha);
            out.printf("checked   %,d box(es) in %d ms: %s%n", r.boxes(), r.nanos() / 1_000_000, r.reason());
            out.println(r.accepted() ? "accepted" : "rejected");
        }
        out.flush();
        return r.accepted() ? Main.EXIT_OK : EXIT_REJECTED;
    }
}

package dev.verity.train;

/**
 * One line of the training log (JSONL), written after each epoch. Losses are means over the epoch's steps
 * ({@code robustLoss} over the steps that computed it, NaN when none did); ε, κ and β are their values at the
 * epoch's last step; validation figures are on the held-back samples at ε_test with {@code certifier}.
 */
public record EpochRecord(int epoch, double loss, double cleanLoss, double robustLoss, double eps, double kappa, double beta,
                          double learningRate, double trainAccuracy, double validationAccuracy, double certifiedAccuracy,
                          String certifier, int validationSamples, double seconds) {

    public String toJson() {
        return "{" + String.join(", ",
                "\"epoch\": " + epoch, "\"loss\": " + num(loss), "\"clean_loss\": " + num(cleanLoss), "\"robust_loss\": " + num(robustLoss),
                "\"eps\": " + num(eps), "\"kappa\": " + num(kappa), "\"beta\": " + num(beta), "\"lr\": " + num(learningRate),
                "\"train_accuracy\": " + num(trainAccuracy), "\"val_accuracy\": " + num(validationAccuracy),
                "\"val_certified_accuracy\": " + num(certifiedAccuracy), "\"certifier\": \"" + certifier + "\"",
                "\"val_samples\": " + validationSamples, "\"seconds\": " + num(seconds)) + "}";
    }

    static String num(double v) {
        return Double.isFinite(v) ? Double.toString(v) : "null";
    }

    /** Parses a line written by {@link #toJson} (checkpoints keep the log so far in this form). */
    static EpochRecord fromJson(String json) {
        try {
            var node = new com.fasterxml.jackson.databind.ObjectMapper().readTree(json);
            return new EpochRecord(node.get("epoch").asInt(), d(node, "loss"), d(node, "clean_loss"), d(node, "robust_loss"), d(node, "eps"),
                    d(node, "kappa"), d(node, "beta"), d(node, "lr"), d(node, "train_accuracy"), d(node, "val_accuracy"),
                    d(node, "val_certified_accuracy"), node.get("certifier").asText(), node.get("val_samples").asInt(), d(node, "seconds"));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("bad log line in checkpoint: " + json, e);
        }
    }

    private static double d(com.fasterxml.jackson.databind.JsonNode node, String key) {
        var v = node.get(key);
        return v == null || v.isNull() ? Double.NaN : v.asDouble();
    }
}

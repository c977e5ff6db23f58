package dev.verity.spec;

import dev.verity.InvalidInputException;
import dev.verity.io.UserFiles;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Reads VNN-LIB properties (the SMT-LIB subset used by VNN-COMP) into a {@link VnnlibProperty}.
 *
 * <h2>Accepted language</h2>
 * <ul>
 *   <li>S-expressions; {@code ;} starts a comment to the end of the line.</li>
 *   <li>{@code (declare-const X_i Real)} for inputs and {@code (declare-const Y_j Real)} for outputs (also
 *       {@code (declare-fun X_i () Real)}); indices must be {@code 0 .. n-1} without gaps. X_i is the i-th
 *       value of the model input flattened in row-major order.</li>
 *   <li>{@code (assert F)}; several asserts are conjoined. {@code set-logic}, {@code set-info}, {@code set-option},
 *       {@code check-sat}, {@code get-model}, {@code exit} are accepted and ignored.</li>
 *   <li>Formulas: {@code and}, {@code or} (nested freely, mixing input and output atoms), {@code not},
 *       {@code true}, {@code false}, and comparisons {@code <= >= < > =} between linear terms (chainable,
 *       {@code (<= a b c)} = {@code a <= b and b <= c}).</li>
 *   <li>Terms: decimal numbers (scientific notation and negative literals such as {@code -3.5e-2} included),
 *       variables, {@code (+ t ...)}, {@code (- t)}, {@code (- a b ...)}, {@code (* c t)} with constant factors:
 *       any linear expression.</li>
 * </ul>
 *
 * <h2>Meaning</h2>
 * The formula describes the <em>unsafe</em> set (VNN-COMP: "sat" = violated). Each atom must constrain either
 * inputs only or outputs only. An input atom must be a bound on a single input ({@code (<= X_3 0.5)},
 * {@code (>= (* 2 X_3) 1)}); general linear constraints over several inputs are refused for now because the
 * verifiers work on boxes. Output atoms become {@link LinearConstraint}s {@code c·y + d <= 0}. The formula is
 * expanded to disjunctive normal form (at most 100,000 terms, fewer for large inputs so that the boxes fit in
 * memory; beyond that a clear error) and its terms are grouped by identical input box into {@link Case}s; every
 * input must be bounded below and above in every case. Unsatisfiable terms (empty box, constant-false atom) are
 * dropped and constant-true atoms removed, which changes nothing about the set described.
 *
 * <h2>Exactness</h2>
 * <ul>
 *   <li>Strict comparisons are read as non-strict: {@code <} becomes {@code <=} (and {@code not} of a
 *       comparison becomes the closed opposite). This replaces each atom by its closure, so the unsafe set can
 *       only grow; a proof that the (larger) unsafe set is unreachable therefore stays a sound proof for the
 *       file. Conversely a counterexample lying exactly on the boundary of a strict atom satisfies only the
 *       closure, so whoever reports a counterexample should check strict margins itself. (None of the VNN-COMP
 *       2021/2022 files in shared/benchmarks uses a strict comparison.)</li>
 *   <li>A literal is converted to the nearest double (Java's correctly rounded conversion, the same value every
 *       VNN-COMP tool uses; a printed double reads back bit for bit). Arithmetic between numbers must be exact
 *       in double precision or the reader refuses it, so no other rounding happens silently. The only
 *       exception is dividing by a coefficient other than ±1 to get an input bound, which is rounded outward.</li>
 *   <li>The result is empty ({@code cases = []}) only when every alternative has a constant-false output part;
 *       if instead every alternative has an empty input box, that is reported as an error.</li>
 * </ul>
 * Every error in the text is an {@link InvalidInputException} whose message starts with {@code file:line:column:}
 * (for a missing bound, the place where that input is declared); I/O problems name the file.
 */
public final class VnnlibReader {
    private VnnlibReader() {}

    /** Reads a {@code .vnnlib} file, gzip-compressed or not (recognised by its content, whatever the name). */
    public static VnnlibProperty read(Path file) {
        byte[] bytes = UserFiles.readAllBytes(file);
        return parse(new String(bytes, StandardCharsets.UTF_8), file.toString());
    }

    /** Parses VNN-LIB text; {@code sourceName} prefixes error messages (usually the file name). */
    public static VnnlibProperty parse(String text, String sourceName) {
        VnnlibParser.Parsed parsed = new VnnlibParser(new SourceText(sourceName, text)).parse();
        return Dnf.toProperty(parsed);
    }
}

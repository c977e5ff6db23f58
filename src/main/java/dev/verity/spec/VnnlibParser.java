package dev.verity.spec;

import dev.verity.InvalidInputException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One pass over the text: a hand-written lexer (no regular expressions, no token list) feeding a
 * recursive-descent parser that builds the classified {@link Formula} of each assert directly.
 * {@code not} is pushed down while parsing (a polarity flag), so atoms come out already in negation
 * normal form with strict comparisons closed (see {@link VnnlibReader} for why that is sound).
 */
final class VnnlibParser {

    /** What the reader hands to {@link Dnf}: the conjunction of the asserts plus the declarations. */
    record Parsed(SourceText source, int inputCount, int outputCount, int[] inputDeclaredAt, Formula.And asserts) {}

    private static final int MAX_DEPTH = 1_000; // deeper nesting is surely broken input; guards the Java stack

    private enum Tok { OPEN, CLOSE, WORD, EOF }

    private final SourceText source;
    private final String text;
    private int scan;             // next character the lexer looks at
    private Tok tok;              // current token
    private int start, end;       // its extent in text
    private int[] opens = new int[16]; // offsets of the '(' not yet closed, innermost last
    private int opensSize;
    private int depth;

    private final Map<String, Integer> codes = new HashMap<>();   // declared name -> variable code
    private final Map<Integer, Integer> declaredAt = new HashMap<>(); // variable code -> offset of its name
    private int maxInput = -1, maxOutput = -1;
    private final List<Formula> asserts = new ArrayList<>();

    VnnlibParser(SourceText source) {
        this.source = source;
        this.text = source.text();
    }

    Parsed parse() {
        advance();
        while (tok != Tok.EOF) {
            if (tok == Tok.CLOSE) throw source.error(start, "unbalanced parentheses: ')' without a matching '('");
            if (tok == Tok.WORD) throw source.error(start, "expected '(' to start a command, found '" + word() + "'");
            int open = start;
            advance();
            int cmdAt = start;
            String cmd = expectWord("a command (declare-const, assert)");
            switch (cmd) {
                case "declare-const" -> declare(open, false);
                case "declare-fun" -> declare(open, true);
                case "assert" -> {
                    asserts.add(formula(false));
                    close(open);
                }
                // Harmless SMT-LIB commands that some generators emit; they say nothing about the property.
                case "set-logic", "set-info", "set-option", "check-sat", "get-model", "exit" -> skipToClose(open);
                default -> throw source.error(cmdAt, "unknown command '" + cmd + "' (expected declare-const or assert)");
            }
        }
        return new Parsed(source, checkDense(maxInput, true), checkDense(maxOutput, false), inputDeclarations(),
                new Formula.And(asserts, 0));
    }

    // ---- declarations ----

    private void declare(int open, boolean fun) {
        int nameAt = start;
        String name = expectWord("a variable name");
        if (fun) { // (declare-fun X_0 () Real) is the SMT-LIB spelling of a constant
            if (tok != Tok.OPEN) throw source.error(start, "expected '()' after the name in declare-fun");
            int argsOpen = start;
            advance();
            if (tok != Tok.CLOSE) throw source.error(start, "declare-fun with arguments is not supported (only constants)");
            close(argsOpen);
        }
        int sortAt = start;
        String sort = expectWord("a sort");
        if (!sort.equals("Real")) throw source.error(sortAt, "unsupported sort '" + sort + "' (only Real)");
        close(open);
        int code = variableCode(name, nameAt);
        Integer previous = codes.putIfAbsent(name, code);
        if (previous != null) {
            throw source.error(nameAt, name + " is declared twice (first at " + source.lineColumn(declaredAt.get(code)) + ")");
        }
        declaredAt.put(code, nameAt);
        int index = LinearForm.indexOf(code);
        if (LinearForm.isInput(code)) maxInput = Math.max(maxInput, index);
        else maxOutput = Math.max(maxOutput, index);
    }

    /** {@code X_i} / {@code Y_j} with a canonical decimal index; anything else is refused. */
    private int variableCode(String name, int at) {
        boolean ok = name.length() >= 3 && name.length() <= 11 && (name.charAt(0) == 'X' || name.charAt(0) == 'Y')
                && name.charAt(1) == '_' && (name.charAt(2) != '0' || name.length() == 3);
        for (int i = 2; ok && i < name.length(); i++) ok = name.charAt(i) >= '0' && name.charAt(i) <= '9';
        if (!ok) {
            throw source.error(at, "unsupported variable name '" + name + "': VNN-LIB inputs are X_0, X_1, ... and outputs Y_0, Y_1, ...");
        }
        int index = Integer.parseInt(name, 2, name.length(), 10);
        return name.charAt(0) == 'X' ? LinearForm.inputCode(index) : LinearForm.outputCode(index);
    }

    /** Inputs (outputs) must be exactly X_0 .. X_{n-1}: a gap would silently shift the flattened layout. */
    private int checkDense(int max, boolean inputs) {
        String prefix = inputs ? "X_" : "Y_";
        if (max < 0) {
            throw source.error(text.length(), "no " + (inputs ? "input" : "output") + " variables declared (expected (declare-const "
                    + prefix + "0 Real) ...)");
        }
        for (int i = 0; i <= max; i++) {
            int code = inputs ? LinearForm.inputCode(i) : LinearForm.outputCode(i);
            if (!declaredAt.containsKey(code)) {
                int lastCode = inputs ? LinearForm.inputCode(max) : LinearForm.outputCode(max);
                throw source.error(declaredAt.get(lastCode), prefix + max + " is declared but " + prefix + i
                        + " is not: variables must be numbered " + prefix + "0 .. " + prefix + max + " without gaps");
            }
        }
        return max + 1;
    }

    private int[] inputDeclarations() {
        int[] at = new int[maxInput + 1];
        for (int i = 0; i < at.length; i++) at[i] = declaredAt.get(LinearForm.inputCode(i));
        return at;
    }

    // ---- formulas ----

    /** An opened parenthesis: where it opened, and its operator word and where that stands. */
    private record Operator(int open, int at, String name) { }

    /** Consumes {@code (} and the operator word after it. */
    private Operator openOperator() {
        int open = start;
        advance();
        enter(open);
        int at = start;
        return new Operator(open, at, expectWord("an operator"));
    }

    /** A formula, negated when {@code neg}; strict comparisons come back closed. */
    private Formula formula(boolean neg) {
        switch (tok) {
            case WORD -> {
                String w = word();
                int at = start;
                advance();
                return switch (w) {
                    case "true" -> Formula.Const.of(!neg);
                    case "false" -> Formula.Const.of(neg);
                    default -> throw source.error(at, "expected a formula such as (<= X_0 1.0), found '" + w + "'");
                };
            }
            case CLOSE -> throw source.error(start, "expected a formula, found ')'");
            case EOF -> throw unclosed();
            default -> { }
        }
        Operator o = openOperator();
        Formula result = switch (o.name()) {
            case "and", "or" -> {
                List<Formula> children = new ArrayList<>();
                while (tok != Tok.CLOSE) children.add(formula(neg));
                // De Morgan: under negation 'and' becomes 'or' and vice versa.
                yield o.name().equals("and") != neg ? new Formula.And(children, o.open()) : new Formula.Or(children, o.open());
            }
            case "not" -> {
                Formula f = formula(!neg);
                if (tok != Tok.CLOSE) throw source.error(start, "'not' takes exactly one argument");
                yield f;
            }
            case "<=", "<", ">=", ">", "=" -> comparison(o.name(), o.at(), o.open(), neg);
            case "+", "-", "*", "/" -> throw source.error(o.at(), "expected a formula, found the arithmetic operator '" + o.name() + "'");
            case "ite", "=>", "xor", "distinct", "let", "forall", "exists" ->
                    throw source.error(o.at(), "operator '" + o.name() + "' is not supported in VNN-LIB properties");
            default -> throw source.error(o.at(), "unknown operator '" + o.name() + "'");
        };
        close(o.open());
        leave();
        return result;
    }

    /**
     * {@code (op t1 t2 ...)}, chainable as in SMT-LIB ({@code (<= a b c)} is {@code a <= b and b <= c}).
     * Every atom is turned into "form <= 0"; see {@link #atom} for the classification.
     */
    private Formula comparison(String op, int opAt, int open, boolean neg) {
        List<LinearForm> terms = new ArrayList<>(2);
        while (tok != Tok.CLOSE) terms.add(term());
        if (terms.size() < 2) throw source.error(opAt, "'" + op + "' needs at least two arguments");
        List<Formula> parts = new ArrayList<>(2);
        for (int k = 0; k + 1 < terms.size(); k++) {
            LinearForm a = terms.get(k), b = terms.get(k + 1);
            switch (op) {
                // a <= b is a - b <= 0; its negation a > b closes to b - a <= 0. Same for a < b (closed to a <= b).
                case "<=", "<" -> parts.add(neg ? atom(b, a, open) : atom(a, b, open));
                case ">=", ">" -> parts.add(neg ? atom(a, b, open) : atom(b, a, open));
                default -> { // "=": both directions; a != b is a < b or a > b, closed to a <= b or a >= b
                    parts.add(atom(a, b, open));
                    parts.add(atom(b, a, open));
                }
            }
        }
        if (parts.size() == 1) return parts.getFirst();
        return neg ? new Formula.Or(parts, open) : new Formula.And(parts, open);
    }

    /** The atom {@code a - b <= 0}, classified as a constant, an input bound, or an output constraint. */
    private Formula atom(LinearForm a, LinearForm b, int at) {
        LinearForm f = exact(at, () -> a.minus(b));
        if (f.isConstant()) return Formula.Const.of(f.constant() <= 0);
        boolean inputs = false, outputs = false;
        for (int k = 0; k < f.size(); k++) {
            if (LinearForm.isInput(f.var(k))) inputs = true;
            else outputs = true;
        }
        if (inputs && outputs) {
            throw source.error(at, "this constraint mixes inputs and outputs (" + names(f) + "); VNN-LIB properties must"
                    + " constrain inputs and outputs in separate atoms");
        }
        if (inputs) {
            if (f.size() > 1) {
                throw source.error(at, "linear constraints over several inputs (" + names(f) + ") are not supported;"
                        + " only bounds on a single input such as (<= X_0 1.0)");
            }
            return inputBound(LinearForm.indexOf(f.var(0)), f.coef(0), f.constant(), at);
        }
        int[] outs = new int[f.size()];
        double[] coefs = new double[f.size()];
        for (int k = 0; k < outs.length; k++) {
            outs[k] = LinearForm.indexOf(f.var(k));
            coefs[k] = f.coef(k);
        }
        return new Formula.OutputAtom(outs, coefs, f.constant() + 0.0); // + 0.0 turns -0.0 into 0.0
    }

    /**
     * {@code c * X_i + d <= 0} as a bound on {@code X_i}: {@code X_i <= -d/c} for {@code c > 0}, {@code >=} for {@code c < 0}.
     * With the usual coefficient ±1 the quotient is exact; otherwise it is rounded outward (the fma residual
     * tells on which side the rounded quotient lies), so the box never loses a point the file includes.
     */
    private Formula inputBound(int index, double c, double d, int at) {
        double q = -d / c;
        if (!Double.isFinite(q)) throw source.error(at, "bound on X_" + index + " is out of the double range");
        double residual = Math.fma(q, c, d); // = c * (q - exact bound), so its sign says which side q is on
        boolean upper = c > 0;
        if (residual < 0) q = upper ? Math.nextUp(q) : Math.nextDown(q);
        return new Formula.InputBound(index, upper, q + 0.0);
    }

    private static String names(LinearForm f) {
        StringBuilder s = new StringBuilder();
        for (int k = 0; k < f.size() && k < 4; k++) {
            if (k > 0) s.append(", ");
            s.append(LinearForm.isInput(f.var(k)) ? "X_" : "Y_").append(LinearForm.indexOf(f.var(k)));
        }
        if (f.size() > 4) s.append(", ...");
        return s.toString();
    }

    // ---- terms ----

    private LinearForm term() {
        switch (tok) {
            case WORD -> {
                int at = start;
                LinearForm t = wordTerm(at);
                advance();
                return t;
            }
            case CLOSE -> throw source.error(start, "expected a number or a variable, found ')'");
            case EOF -> throw unclosed();
            default -> { }
        }
        Operator o = openOperator();
        List<LinearForm> args = new ArrayList<>(2);
        switch (o.name()) {
            case "+", "-", "*" -> { while (tok != Tok.CLOSE) args.add(term()); }
            case "/" -> throw source.error(o.at(), "division is not supported; write the coefficient as a number, e.g. (* 0.5 Y_0)");
            case "<=", "<", ">=", ">", "=", "and", "or", "not" ->
                    throw source.error(o.at(), "expected a number or a linear term, found the formula operator '" + o.name() + "'");
            default -> throw source.error(o.at(), "unknown operator '" + o.name() + "'");
        }
        if (args.isEmpty()) throw source.error(o.at(), "'" + o.name() + "' needs at least one argument");
        LinearForm result = exact(o.open(), () -> switch (o.name()) {
            case "+" -> sum(args);
            case "-" -> args.size() == 1 ? args.getFirst().negate() : args.getFirst().minus(sum(args.subList(1, args.size())));
            default -> product(args, o.at());
        });
        close(o.open());
        leave();
        return result;
    }

    private static LinearForm sum(List<LinearForm> args) {
        LinearForm s = args.getFirst();
        for (int k = 1; k < args.size(); k++) s = s.plus(args.get(k));
        return s;
    }

    /** A product is linear only when at most one factor has variables; the others scale it. */
    private LinearForm product(List<LinearForm> args, int opAt) {
        double k = 1;
        LinearForm varying = null;
        for (LinearForm a : args) {
            if (a.isConstant()) k = LinearForm.exactProduct(k, a.constant());
            else if (varying == null) varying = a;
            else throw source.error(opAt, "nonlinear term: '*' of two expressions with variables (only (* constant term) is linear)");
        }
        return varying == null ? LinearForm.constant(k) : varying.times(k);
    }

    private interface FormOp { LinearForm apply(); }

    private LinearForm exact(int at, FormOp op) {
        try {
            return op.apply();
        } catch (ArithmeticException e) {
            throw source.error(at, "the numbers in this expression do not combine exactly in double precision ("
                    + e.getMessage() + "); write the value as a single number");
        }
    }

    /** A number literal or a declared variable. */
    private LinearForm wordTerm(int at) {
        char c0 = text.charAt(start);
        // Variables start with a letter, so a word starting with a digit, '.' or a sign (other than the bare
        // operators '-' and '+') can only be meant as a number; checking it as one gives the clearer error.
        boolean numeric = isDigit(c0) || c0 == '.' || (c0 == '-' || c0 == '+') && end - start > 1;
        if (numeric) return LinearForm.constant(number(at));
        String name = word();
        Integer code = codes.get(name);
        if (code == null) {
            if (name.equals("-") || name.equals("+") || name.equals("*")) {
                throw source.error(at, "operator '" + name + "' must follow '(' as in (" + name + " a b)");
            }
            throw source.error(at, "undeclared variable '" + name + "'");
        }
        return LinearForm.variable(code);
    }

    /**
     * A decimal literal {@code [+-]? digits [. digits] [(e|E) [+-]? digits]} (also {@code 1.} and {@code .5}),
     * checked by hand because Double.parseDouble also takes {@code NaN}, {@code 0x1p3}, {@code 1d} and the like;
     * the conversion itself is Java's correctly rounded one, so a printed double reads back bit for bit.
     */
    private double number(int at) {
        int i = start;
        if (text.charAt(i) == '+' || text.charAt(i) == '-') i++;
        int intDigits = digitsFrom(i);
        i += intDigits;
        int fracDigits = 0;
        if (i < end && text.charAt(i) == '.') {
            fracDigits = digitsFrom(++i);
            i += fracDigits;
        }
        boolean ok = intDigits + fracDigits > 0;
        if (ok && i < end && (text.charAt(i) == 'e' || text.charAt(i) == 'E')) {
            i++;
            if (i < end && (text.charAt(i) == '+' || text.charAt(i) == '-')) i++;
            int expDigits = digitsFrom(i);
            ok = expDigits > 0;
            i += expDigits;
        }
        if (!ok || i != end) throw source.error(at, "bad number '" + word() + "'");
        double v = Double.parseDouble(text.substring(start, end));
        if (!Double.isFinite(v)) throw source.error(at, "number '" + word() + "' is out of the double range");
        return v;
    }

    private int digitsFrom(int i) {
        int n = 0;
        while (i + n < end && isDigit(text.charAt(i + n))) n++;
        return n;
    }

    private static boolean isDigit(char c) { return c >= '0' && c <= '9'; }

    // ---- lexer ----

    /** Moves to the next token, keeping the stack of open parentheses in step with the tokens consumed. */
    private void advance() {
        if (tok == Tok.OPEN) {
            if (opensSize == opens.length) opens = Arrays.copyOf(opens, opens.length * 2);
            opens[opensSize++] = start;
        } else if (tok == Tok.CLOSE) {
            opensSize--;
        }
        int n = text.length();
        int i = scan;
        while (i < n) {
            char c = text.charAt(i);
            if (c == ';') {
                while (i < n && text.charAt(i) != '\n') i++;
            } else if (c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\f') {
                i++;
            } else {
                break;
            }
        }
        start = i;
        if (i == n) {
            tok = Tok.EOF;
            end = i;
        } else if (text.charAt(i) == '(') {
            tok = Tok.OPEN;
            end = i + 1;
        } else if (text.charAt(i) == ')') {
            tok = Tok.CLOSE;
            end = i + 1;
        } else {
            tok = Tok.WORD;
            while (i < n) {
                char c = text.charAt(i);
                if (c == '(' || c == ')' || c == ';' || c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\f') break;
                i++;
            }
            end = i;
        }
        scan = end;
    }

    private String word() { return text.substring(start, end); }

    private String expectWord(String what) {
        if (tok == Tok.WORD) {
            String w = word();
            advance();
            return w;
        }
        if (tok == Tok.EOF) throw unclosed();
        throw source.error(start, "expected " + what + ", found '" + text.charAt(start) + "'");
    }

    /** Consumes the ')' that closes the list opened at {@code open}. */
    private void close(int open) {
        if (tok == Tok.CLOSE) {
            advance();
            return;
        }
        if (tok == Tok.EOF) throw unclosed();
        throw source.error(start, "expected ')' to close the '(' at " + source.lineColumn(open) + ", found '"
                + (tok == Tok.OPEN ? "(" : word()) + "'");
    }

    /** Skips the rest of an ignored command, balancing parentheses. */
    private void skipToClose(int open) {
        int level = 0;
        while (level > 0 || tok != Tok.CLOSE) {
            if (tok == Tok.EOF) throw unclosed();
            if (tok == Tok.OPEN) level++;
            if (tok == Tok.CLOSE) level--;
            advance();
        }
        close(open);
    }

    /** End of file inside a list: report the innermost '(' that was never closed. */
    private InvalidInputException unclosed() {
        int at = opensSize > 0 ? opens[opensSize - 1] : text.length();
        return source.error(at, "unbalanced parentheses: this '(' is never closed (end of file reached)");
    }

    private void enter(int open) {
        if (++depth > MAX_DEPTH) throw source.error(open, "expressions nested deeper than " + MAX_DEPTH + " levels");
    }

    private void leave() { depth--; }
}

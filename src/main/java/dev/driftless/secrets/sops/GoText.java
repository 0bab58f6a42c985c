package dev.driftless.secrets.sops;

import com.fasterxml.jackson.core.io.NumberOutput;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.Locale;

/**
 * Text forms of values exactly as the Go code of sops writes and reads them. The MAC is a hash over these bytes,
 * so a difference of one character (a "1.0" where Go writes "1") would make every file we write unverifiable.
 */
final class GoText {

    /** Go's time.RFC3339 layout: seconds, and "Z" for UTC. */
    private static final DateTimeFormatter RFC3339 = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ssXXX", Locale.ROOT);

    private GoText() {
    }

    /** The bytes sops hashes for a leaf value (sops.ToBytes). */
    static byte[] toBytes(Object value) {
        if (value instanceof byte[] bytes) {
            return bytes;
        }
        return toText(value).getBytes(StandardCharsets.UTF_8);
    }

    /** The text of a leaf value as sops encrypts and hashes it. */
    static String toText(Object value) {
        if (value instanceof String s) {
            return s;
        }
        if (value instanceof Boolean b) {
            // sops writes booleans title-cased, a legacy of its Python version.
            return b ? "True" : "False";
        }
        if (value instanceof Long l) {
            return Long.toString(l);
        }
        if (value instanceof Double d) {
            return formatFloatF(d);
        }
        if (value instanceof byte[] bytes) {
            return new String(bytes, StandardCharsets.UTF_8);
        }
        throw new IllegalArgumentException("not a leaf value: " + (value == null ? "null" : value.getClass()));
    }

    /** strconv.FormatFloat(d, 'f', -1, 64): the shortest digits that read back as d, never an exponent. */
    static String formatFloatF(double d) {
        if (Double.isNaN(d)) {
            return "NaN";
        }
        if (Double.isInfinite(d)) {
            return d > 0 ? "+Inf" : "-Inf";
        }
        if (d == 0) {
            return (Double.doubleToRawLongBits(d) < 0) ? "-0" : "0";
        }
        return shortest(d).toPlainString();
    }

    /** encoding/json's text for a float64: plain between 1e-6 and 1e21, otherwise Go's exponent form. */
    static String jsonFloat(double d) {
        if (Double.isNaN(d) || Double.isInfinite(d)) {
            throw new IllegalArgumentException("JSON has no NaN or infinity");
        }
        double abs = Math.abs(d);
        if (abs == 0 || (abs >= 1e-6 && abs < 1e21)) {
            return formatFloatF(d);
        }
        BigDecimal bd = shortest(d);
        String digits = bd.unscaledValue().abs().toString();
        int exponent = digits.length() - 1 - bd.scale();
        StringBuilder out = new StringBuilder();
        if (bd.signum() < 0) {
            out.append('-');
        }
        out.append(digits.charAt(0));
        if (digits.length() > 1) {
            out.append('.').append(digits, 1, digits.length());
        }
        out.append('e').append(exponent < 0 ? '-' : '+');
        int e = Math.abs(exponent);
        // Go writes at least two exponent digits, then encoding/json trims "e-07" to "e-7".
        if (e < 10 && exponent > 0) {
            out.append('0');
        }
        out.append(e);
        return out.toString();
    }

    /** A YAML float that reads back as the same double and never as an integer. */
    static String yamlFloat(double d) {
        if (Double.isNaN(d)) {
            return ".nan";
        }
        if (Double.isInfinite(d)) {
            return d > 0 ? ".inf" : "-.inf";
        }
        // Java's notation ("1.0", "1.0E-7") always has a dot, which keeps it a float in YAML.
        return NumberOutput.toString(d, true);
    }

    private static BigDecimal shortest(double d) {
        return new BigDecimal(NumberOutput.toString(d, true)).stripTrailingZeros();
    }

    /** strconv.ParseFloat(s, 64), which also accepts "Inf", "+Inf", "NaN" in any case. */
    static double parseFloat(String s) {
        String lower = s.toLowerCase(Locale.ROOT);
        switch (lower) {
            case "inf", "+inf", "infinity", "+infinity":
                return Double.POSITIVE_INFINITY;
            case "-inf", "-infinity":
                return Double.NEGATIVE_INFINITY;
            case "nan":
                return Double.NaN;
            default:
                break;
        }
        if (s.isEmpty() || !s.equals(s.strip()) || "dDfF".indexOf(s.charAt(s.length() - 1)) >= 0
                || lower.contains("infinity") || lower.contains("nan")) {
            throw new NumberFormatException("not a Go float");
        }
        double d = Double.parseDouble(s);
        if (Double.isInfinite(d)) {
            throw new NumberFormatException("out of range");
        }
        return d;
    }

    /** strconv.ParseBool. */
    static boolean parseBool(String s) {
        switch (s) {
            case "1", "t", "T", "TRUE", "true", "True":
                return true;
            case "0", "f", "F", "FALSE", "false", "False":
                return false;
            default:
                throw new IllegalArgumentException("not a Go bool");
        }
    }

    /** strconv.Atoi on 64-bit. */
    static long parseInt(String s) {
        if (s.isEmpty() || !s.equals(s.strip())) {
            throw new NumberFormatException("not a Go int");
        }
        return Long.parseLong(s);
    }

    /** Now, as sops stamps lastmodified: UTC, whole seconds. */
    static String now() {
        return RFC3339.format(OffsetDateTime.now(ZoneOffset.UTC).truncatedTo(ChronoUnit.SECONDS));
    }

    /**
     * The lastmodified value as sops uses it for the MAC's additional data: parsed as RFC 3339, formatted back
     * (fractions of a second dropped, "Z" for UTC).
     */
    static String rfc3339(String text) throws DateTimeParseException {
        return RFC3339.format(OffsetDateTime.parse(text.strip()));
    }
}

package dev.driftless.apply;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * The end of what a command printed: as much as a person needs to see why it failed, and little enough to
 * keep in history and send in a notification. At most {@value #MAX_LINES} lines and {@value #MAX_BYTES} bytes,
 * with the repository's secret values masked.
 *
 * @param text      the lines kept, each ending in a newline; {@code ""} when the command printed nothing
 * @param truncated whether earlier output was left out
 */
public record OutputTail(String text, boolean truncated) {

    public static final int MAX_LINES = 20;
    public static final int MAX_BYTES = 4096;
    /** The line shown above a tail that left earlier output out. */
    public static final String CUT = "… (earlier output not shown)";

    public static final OutputTail NONE = new OutputTail("", false);

    /**
     * The tail of {@code output}. Secrets are masked before anything is cut, so that a cut never leaves part of
     * a secret value where the mask would no longer recognise it.
     */
    public static OutputTail of(String output, UnaryOperator<String> mask) {
        List<String> lines = mask.apply(output).lines().toList();
        boolean truncated = lines.size() > MAX_LINES;
        List<String> kept = new ArrayList<>(lines.subList(Math.max(0, lines.size() - MAX_LINES), lines.size()));
        int bytes = kept.stream().mapToInt(l -> l.getBytes(StandardCharsets.UTF_8).length + 1).sum();
        while (bytes > MAX_BYTES && kept.size() > 1) {
            bytes -= kept.remove(0).getBytes(StandardCharsets.UTF_8).length + 1;
            truncated = true;
        }
        if (bytes > MAX_BYTES) {
            // one line longer than the whole budget: keep its end, which is where a message usually ends
            kept.set(0, lastBytes(kept.get(0), MAX_BYTES - 1));
            truncated = true;
        }
        StringBuilder text = new StringBuilder();
        kept.forEach(line -> text.append(line).append('\n'));
        return new OutputTail(text.toString(), truncated);
    }

    /** The end of {@code line} that fits in {@code max} bytes of UTF-8, never splitting a character. */
    private static String lastBytes(String line, int max) {
        int start = line.length();
        int bytes = 0;
        while (start > 0) {
            int codePoint = line.codePointBefore(start);
            int size = new String(Character.toChars(codePoint)).getBytes(StandardCharsets.UTF_8).length;
            if (bytes + size > max) {
                break;
            }
            bytes += size;
            start -= Character.charCount(codePoint);
        }
        return line.substring(start);
    }

    /** The kept lines, without their newlines. */
    public List<String> lines() {
        return text.lines().toList();
    }

    /** The kept lines as one text, under a line saying that earlier output was left out if it was. */
    public String shown() {
        return truncated ? CUT + "\n" + text : text;
    }
}

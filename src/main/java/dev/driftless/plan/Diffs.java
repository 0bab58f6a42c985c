package dev.driftless.plan;

import com.github.difflib.DiffUtils;
import com.github.difflib.UnifiedDiffUtils;
import com.github.difflib.patch.AbstractDelta;
import com.github.difflib.patch.Chunk;
import com.github.difflib.patch.Patch;
import dev.driftless.render.SecretLines;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.IntPredicate;

/** Unified diffs of file contents, or a one-line note when a side is not text. */
final class Diffs {

    private static final int MAX_TEXT = 1024 * 1024;

    private Diffs() {
    }

    static String unified(String path, Optional<byte[]> before, byte[] after) {
        Optional<String> oldText = before.map(Diffs::text).orElse(Optional.of(""));
        Optional<String> newText = text(after);
        if (oldText.isEmpty() || newText.isEmpty()) {
            return "(binary content differs: " + before.map(b -> b.length + " bytes").orElse("nothing") + " -> "
                    + after.length + " bytes)";
        }
        List<String> oldLines = SecretLines.lines(oldText.get());
        List<String> newLines = SecretLines.lines(newText.get());
        return print(path, before.isPresent(), oldLines, DiffUtils.diff(oldLines, newLines));
    }

    /**
     * The unified diff of a file some lines of which come from secrets ({@code secret}, 0-based lines of
     * {@code after}): those lines are masked, and so is each line of {@code before} that stands where a secret line
     * stands (the same offset in a changed block of as many lines, else anywhere in a changed block that has one).
     * When {@code beforeFromSecretsElsewhere} (the host's file was rendered from secrets at lines this render does
     * not tell: another revision's), every line of {@code before} that is not also a line of {@code after} is
     * masked. Empty when a side is not text: its size alone would say something of the secret.
     */
    static Optional<String> masked(String path, Optional<byte[]> before, byte[] after, Set<Integer> secret,
            boolean beforeFromSecretsElsewhere) {
        Optional<String> oldText = before.map(Diffs::text).orElse(Optional.of(""));
        Optional<String> newText = text(after);
        if (oldText.isEmpty() || newText.isEmpty()) {
            return Optional.empty();
        }
        List<String> oldLines = SecretLines.lines(oldText.get());
        List<String> newLines = SecretLines.lines(newText.get());
        Patch<String> patch = DiffUtils.diff(oldLines, newLines);
        boolean[] oldSecret = secretOnTheOldSide(patch, oldLines.size(), secret, beforeFromSecretsElsewhere);
        List<String> oldShown = mask(oldLines, i -> oldSecret[i]);
        List<String> newShown = mask(newLines, secret::contains);
        Patch<String> shown = new Patch<>();
        for (AbstractDelta<String> delta : patch.getDeltas()) {
            Chunk<String> source = delta.getSource();
            Chunk<String> target = delta.getTarget();
            shown.addDelta(delta.withChunks(
                    new Chunk<>(source.getPosition(), oldShown.subList(source.getPosition(),
                            source.getPosition() + source.size())),
                    new Chunk<>(target.getPosition(), newShown.subList(target.getPosition(),
                            target.getPosition() + target.size()))));
        }
        return Optional.of(print(path, before.isPresent(), oldShown, shown));
    }

    /** Which lines of the old side to mask, walking the equal runs and the changed blocks of the patch. */
    private static boolean[] secretOnTheOldSide(Patch<String> patch, int oldSize, Set<Integer> secret,
            boolean elsewhere) {
        boolean[] oldSecret = new boolean[oldSize];
        int old = 0;
        int now = 0;
        for (AbstractDelta<String> delta : patch.getDeltas()) {
            Chunk<String> source = delta.getSource();
            Chunk<String> target = delta.getTarget();
            for (; old < source.getPosition(); old++, now++) {
                oldSecret[old] = secret.contains(now); // the same line on both sides
            }
            boolean blockHasSecret = secret.stream()
                    .anyMatch(i -> i >= target.getPosition() && i < target.getPosition() + target.size());
            for (int i = 0; i < source.size(); i++) {
                oldSecret[old + i] = elsewhere || (source.size() == target.size()
                        ? secret.contains(target.getPosition() + i) : blockHasSecret);
            }
            old += source.size();
            now += target.size();
        }
        for (; old < oldSize; old++, now++) {
            oldSecret[old] = secret.contains(now);
        }
        return oldSecret;
    }

    private static List<String> mask(List<String> lines, IntPredicate secret) {
        List<String> shown = new ArrayList<>(lines.size());
        for (int i = 0; i < lines.size(); i++) {
            shown.add(secret.test(i) ? SecretLines.MASK : lines.get(i));
        }
        return shown;
    }

    private static String print(String path, boolean hadBefore, List<String> oldLines, Patch<String> patch) {
        List<String> diff = UnifiedDiffUtils.generateUnifiedDiff(hadBefore ? path : "/dev/null", path, oldLines, patch,
                3);
        if (diff.isEmpty()) {
            return "(only the line ending at the end of the file differs)";
        }
        StringBuilder out = new StringBuilder();
        for (String line : diff) {
            out.append(line).append('\n');
        }
        return out.toString();
    }

    private static Optional<String> text(byte[] bytes) {
        if (bytes.length > MAX_TEXT) {
            return Optional.empty();
        }
        for (byte b : bytes) {
            if (b == 0) {
                return Optional.empty();
            }
        }
        try {
            return Optional.of(StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString());
        } catch (CharacterCodingException e) {
            return Optional.empty();
        }
    }
}

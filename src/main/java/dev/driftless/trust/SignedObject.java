package dev.driftless.trust;

import java.io.IOException;
import java.util.Arrays;
import java.util.Optional;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevTag;
import org.eclipse.jgit.util.RawParseUtils;

/**
 * What a signature of a commit or tag covers, and the signature, split from the object as stored (git signs
 * a commit without its gpgsig header, a tag without the signature appended to its message).
 */
record SignedObject(String name, byte[] data, byte[] signature) {

    private static final byte[] GPGSIG = {'g', 'p', 'g', 's', 'i', 'g'};

    /** The signed parts of commit {@code id}, or empty when it carries no signature. */
    static Optional<SignedObject> commit(Repository repository, ObjectId id) throws IOException {
        byte[] raw = repository.open(id, Constants.OBJ_COMMIT).getCachedBytes(Integer.MAX_VALUE);
        int start = RawParseUtils.headerStart(GPGSIG, raw, 0);
        if (start < 0) {
            return Optional.empty();
        }
        int end = RawParseUtils.nextLfSkippingSplitLines(raw, start);
        byte[] signature = unfold(Arrays.copyOfRange(raw, start, end));
        int headerStart = start - GPGSIG.length - 1;
        int after = end < raw.length ? end + 1 : end;
        byte[] data = new byte[raw.length - (after - headerStart)];
        System.arraycopy(raw, 0, data, 0, headerStart);
        System.arraycopy(raw, after, data, headerStart, raw.length - after);
        return Optional.of(new SignedObject("commit " + id.name(), data, signature));
    }

    /** The signed parts of annotated tag {@code id}, or empty when it carries no signature. */
    static Optional<SignedObject> tag(Repository repository, ObjectId id) throws IOException {
        byte[] raw = repository.open(id, Constants.OBJ_TAG).getCachedBytes(Integer.MAX_VALUE);
        RevTag tag = RevTag.parse(raw);
        byte[] signature = tag.getRawGpgSignature();
        if (signature == null) {
            return Optional.empty();
        }
        byte[] data = Arrays.copyOfRange(raw, 0, raw.length - signature.length);
        return Optional.of(new SignedObject("tag " + tag.getTagName() + " (" + id.name() + ")", data, signature));
    }

    /** A header's continuation lines start with a space that is not part of the value. */
    private static byte[] unfold(byte[] folded) {
        byte[] out = new byte[folded.length];
        int n = 0;
        for (int i = 0; i < folded.length; i++) {
            out[n++] = folded[i];
            if (folded[i] == '\n' && i + 1 < folded.length && folded[i + 1] == ' ') {
                i++;
            }
        }
        return Arrays.copyOf(out, n);
    }

    static boolean isSsh(byte[] signature) {
        return RawParseUtils.match(signature, 0, Constants.SSH_SIGNATURE_PREFIX.getBytes()) > 0;
    }

    static boolean isOpenPgp(byte[] signature) {
        return RawParseUtils.match(signature, 0, Constants.GPG_SIGNATURE_PREFIX.getBytes()) > 0;
    }
}

package dev.driftless.state;



/**
 * What Driftless last applied at one path: the kind, the owning service and the fingerprint of what
 * it wrote. Attributes a resource does not manage are null, so changing them is not drift.
 *
 * @param sha256 a file's content fingerprint (null for other kinds): the hex SHA-256, or for a sensitive file
 *     its plain SHA-256 in memory and a {@link Fingerprint#salted salted} one once written
 * @param mode octal text such as "0644", when managed
 * @param stat the file's stat when it was last seen with this content (null when unknown)
 * @param sensitive the file was rendered from a secret: never record its bare hash
 */

public record StateEntry(String kind, String service, String sha256, String mode, String owner, String group,
        String target, String stat, boolean sensitive) {

    /** The same entry, remembering the stat of the file the host has (see {@link dev.driftless.host.LiveEntry.File}). */
    public StateEntry withStatOf(dev.driftless.host.LiveEntry live) {
        String now = live instanceof dev.driftless.host.LiveEntry.File file ? file.stat() : null;
        return new StateEntry(kind, service, sha256, mode, owner, group, target, now, sensitive);
    }

    /** What the host may trust instead of reading the file again, or null. */
    public dev.driftless.host.LiveEntry.Known known() {
        return stat != null && sha256 != null ? new dev.driftless.host.LiveEntry.Known(stat, sha256) : null;
    }
}

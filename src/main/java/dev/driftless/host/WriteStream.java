package dev.driftless.host;

import dev.driftless.host.Host.Deletion;
import dev.driftless.host.Host.DirectoryWrite;
import dev.driftless.host.Host.FileWrite;
import dev.driftless.host.Host.LinkWrite;
import dev.driftless.host.Host.Write;
import dev.driftless.model.Ownership;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * The stream one batch of writes travels in to an SSH host, and the script there that reads it
 * ({@code write-batch.sh}): a header section with an operation a line (each naming how many lines follow), then
 * a tar archive of the files' bytes, named by folder number and file name. The host runs a few processes per batch
 * (one mkdir, one tar, a stat and a chown per owner kept, a stat and a chmod per mode kept, one perl for the renames
 * into place, or without perl one mv per folder written to; a copy per folder on another mount), none per file.
 */
final class WriteStream {

    /** The private folder a batch's files are written in, beside the first folder written to. */
    static final String BATCH = ".driftless-batch" + LocalHost.TEMP_SUFFIX;
    /** The private folder a folder's new files wait in, in that folder, to be renamed into place. */
    static final String STAGE = ".driftless-stage" + LocalHost.TEMP_SUFFIX;

    static final String SCRIPT = load();

    /** The longest file name (bytes) whose folder's number still fits before it in a name of the batch folder. */
    static final int SHORT_NAME = 200;

    private final ByteArrayOutputStream headers = new ByteArrayOutputStream();
    private final Map<String, Integer> folders = new LinkedHashMap<>();
    private final Map<List<String>, Integer> owners = new LinkedHashMap<>();
    private final List<Member> members = new java.util.ArrayList<>();

    /** A file of the archive: its name there ("K/NAME") and what is written. */
    private record Member(String name, FileWrite file) {
    }

    private WriteStream() {
    }

    /** The stream of {@code writes}, their paths made host paths by {@code remote}. */
    static byte[] of(List<Write> writes, UnaryOperator<String> remote) {
        WriteStream stream = new WriteStream();
        // the owners files get are named first: a file refers to its owner:group by number
        for (Write write : writes) {
            if (write instanceof FileWrite file && (file.ownership().owner().isPresent()
                    || file.ownership().group().isPresent())) {
                List<String> key = List.of(file.ownership().owner().orElse(""), file.ownership().group().orElse(""));
                if (!stream.owners.containsKey(key)) {
                    stream.owners.put(key, stream.owners.size());
                    stream.op("C", Integer.toString(stream.owners.get(key)), key.get(0), key.get(1));
                }
            }
        }
        // in the batch folder the host may put a file's folder number before its name (K.NAME, no folder per folder
        // written to) when its names leave room for it: NAME_MAX is 255 bytes
        if (writes.stream().allMatch(w -> !(w instanceof FileWrite) || nameBytes(remote.apply(w.path())) <= SHORT_NAME)) {
            stream.op("N");
        }
        boolean folders = false;
        for (int i = 0; i < writes.size(); i++) {
            Write write = writes.get(i);
            String f = remote.apply(write.path());
            if (write instanceof FileWrite && !folders) {
                // the folders of this file and those after it, made by one mkdir (after the folders and links
                // written before the first file, which may be among them)
                folders = true;
                stream.op("M", writes.subList(i, writes.size()).stream().filter(FileWrite.class::isInstance)
                        .map(w -> SshHost.parentOf(remote.apply(w.path()))).distinct().toArray(String[]::new));
            }
            if (write instanceof FileWrite file) {
                stream.file(f, file);
            } else if (write instanceof DirectoryWrite dir) {
                Ownership o = dir.ownership();
                stream.op("D", f, o.owner().orElse(""), o.group().orElse(""), mode(o));
            } else if (write instanceof Deletion) {
                stream.op("R", f);
            } else if (write instanceof LinkWrite link) {
                stream.op("L", f, link.target());
            }
        }
        stream.op("E");
        return stream.bytes();
    }

    private static int nameBytes(String f) {
        return f.substring(f.lastIndexOf('/') + 1).getBytes(StandardCharsets.UTF_8).length;
    }

    private void file(String f, FileWrite file) {
        int slash = f.lastIndexOf('/');
        String folder = SshHost.parentOf(f);
        int k = folders.computeIfAbsent(folder, x -> folders.size());
        Ownership o = file.ownership();
        boolean owned = o.owner().isPresent() || o.group().isPresent();
        String spec = owned ? Integer.toString(owners.get(List.of(o.owner().orElse(""), o.group().orElse("")))) : "";
        boolean keeps = o.owner().isEmpty() || o.group().isEmpty();
        op("F", f, spec, keeps ? "1" : "", mode(o), Integer.toString(k));
        members.add(new Member(k + "/" + f.substring(slash + 1), file));
    }

    private static String mode(Ownership o) {
        return o.mode().map(Integer::toOctalString).orElse("");
    }

    private void op(String op, String... lines) {
        line(op + " " + lines.length);
        for (String line : lines) {
            line(line);
        }
    }

    private void line(String line) {
        headers.writeBytes(line.getBytes(StandardCharsets.UTF_8));
        headers.write('\n');
    }

    private byte[] bytes() {
        if (members.isEmpty()) {
            return headers.toByteArray();
        }
        ByteArrayOutputStream out = headers;
        // GNU names (raw bytes, any length): the host's GNU tar reads them whatever its locale
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(out, StandardCharsets.UTF_8.name())) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_GNU);
            tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
            for (Member member : members) {
                FileWrite file = member.file();
                TarArchiveEntry entry = new TarArchiveEntry(member.name(), true);
                entry.setSize(file.content().length);
                // the mode once all bytes are in: the resource's, or private until the host gives it 0644 or
                // the mode of the file it replaces
                entry.setMode(0100000 | file.ownership().mode().orElse(0600));
                tar.putArchiveEntry(entry);
                tar.write(file.content());
                tar.closeArchiveEntry();
            }
            TarArchiveEntry end = new TarArchiveEntry(".end", true);
            end.setMode(0100600);
            tar.putArchiveEntry(end);
            tar.closeArchiveEntry();
            tar.finish();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static String load() {
        try (InputStream in = WriteStream.class.getResourceAsStream("write-batch.sh")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

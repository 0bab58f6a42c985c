package dev.driftless.host;

import dev.driftless.host.RemoteShell.Result;
import dev.driftless.model.Address;
import dev.driftless.model.Ownership;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import org.apache.sshd.client.channel.ChannelExec;
import org.apache.sshd.client.channel.ClientChannelEvent;
import org.apache.sshd.client.session.ClientSession;

/**
 * A machine reached over SSH. One session serves the whole command; every operation is one remote
 * shell command (inspecting many paths is two: one stat of all, one hash of those whose stat
 * changed). Writes are atomic on the host exactly as locally: a temporary file in the same directory,
 * synced, then renamed. Needs a POSIX shell and GNU coreutils on the host.
 */
public final class SshHost implements Host {

    private static final String STAT_FORMAT = "%n\\0%f\\0%U\\0%G\\0%s\\0%d:%i:%s:%.9Y:%.9Z\\0%Y\\0%Z\\0";
    private static final long SETTLED_SECONDS = 2;
    private static final String LOCK_FILE = "/var/lib/driftless/lock";

    private final String name;
    private final Address.Ssh address;
    private final ClientSession session;
    private final Optional<String> root;
    private final boolean sudo;
    private final Duration timeout;
    private final RemoteShell shell;

    SshHost(String name, Address.Ssh address, ClientSession session, Optional<String> root, boolean sudo,
            Duration timeout) {
        this.name = name;
        this.address = address;
        this.session = session;
        this.root = root.map(r -> r.endsWith("/") ? r.substring(0, r.length() - 1) : r);
        this.sudo = sudo;
        this.timeout = timeout;
        this.shell = new RemoteShell(name, session, sudo, timeout);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String root() {
        return root.orElse("/");
    }

    @Override
    public String describe() {
        return address + root.map(r -> ", root " + r).orElse("");
    }

    private String remote(String path) {
        if (path.indexOf('\n') >= 0 || path.indexOf('\0') >= 0) {
            throw new HostException(name + ": paths with a line break cannot be managed over SSH: " + path);
        }
        return root.map(r -> r + path).orElse(path);
    }

    private String logical(String remotePath) {
        return root.map(r -> remotePath.substring(r.length())).orElse(remotePath);
    }

    /**
     * Shell functions that keep a command inside the root (see LocalHost's Confinement): {@code phys}
     * resolves what exists of a path as the kernel does (cd -P, a shell builtin: no process per path),
     * {@code inside} tells whether a directory lands in the root, {@code landed} whether the folder entered
     * ($PWD, after cd -P) is in it, {@code refuse} names the link that leads out and where to, then exits 7.
     * Empty without a root: nothing is outside.
     */
    private String confinement() {
        if (root.isEmpty()) {
            return "";
        }
        return "R=" + quote(root.get()) + "; "
                + "phys() { p=$1; q=; while [ ! -d \"$p\" ]; do "
                + "if [ -L \"$p\" ]; then p=$(realpath -m -- \"$p\")$q; return 0; fi; "
                + "q=/${p##*/}$q; p=${p%/*}; [ -n \"$p\" ] || p=/; done; "
                + "if cd -P -- \"$p\" 2>/dev/null; then p=${PWD%/}$q; else p=$(realpath -m -- \"$1\"); fi; }; "
                + "phys \"$R\"; rr=$p; "
                + "inside() { phys \"$1\"; case \"$p/\" in \"$rr\"/*) return 0;; esac; return 1; }; "
                + "landed() { case \"$PWD/\" in \"$rr\"/*) return 0;; esac; return 1; }; "
                + "culprit() { c=$R; rest=${1#\"$R\"}; while [ -n \"$rest\" ]; do rest=${rest#/}; c=$c/${rest%%/*}; "
                + "case $rest in */*) rest=/${rest#*/};; *) rest=;; esac; inside \"$c\" || break; done; "
                + "printf 'REFUSED\\0%s\\0%s\\0%s\\0' \"$1\" \"$c\" \"$p\"; }; "
                + "refuse() { culprit \"$1\"; exit 7; }; ";
    }

    /** Refuses the directory in {@code variable} unless it lands inside the root (nothing without a root). */
    private String confine(String variable) {
        return root.isEmpty() ? "" : "inside \"$" + variable + "\" || refuse \"$" + variable + "\"; ";
    }

    /**
     * Enters the directory in {@code variable} as the kernel resolves it, and checks again where it
     * landed: what follows works on names relative to it, so a link swapped in meanwhile is not followed.
     */
    private String enter(String variable) {
        return "cd -P -- \"$" + variable + "\"; "
                + (root.isEmpty() ? "" : "landed || refuse \"$" + variable + "\"; ");
    }

    /** The refusal a command that exited 7 printed (see {@link #confinement}). */
    private LiveEntry.Refused refusal(String path, byte[] out) {
        List<String> fields = splitNul(out);
        int at = fields.indexOf("REFUSED");
        if (at < 0 || at + 3 >= fields.size()) {
            throw new HostException(name + ": " + path + ": refused, outside the root " + root());
        }
        return new LiveEntry.Refused(path, logical(fields.get(at + 2)), fields.get(at + 3), root());
    }

    static String quote(String text) {
        return Shell.quote(text);
    }


    private Result exec(String script, byte[] input) {
        return exec(script, input, timeout);
    }

    /**
     * Runs {@code script}, waiting up to {@code wait} for it to end: --ssh-timeout for Driftless's own commands, a
     * command's own time limit and that for a handler, check or package command the host itself ends at its limit
     * (a host that stops answering is found by the connection's keepalive within --ssh-timeout, not by this wait).
     */
    private Result exec(String script, byte[] input, Duration wait) {
        return shell.run(script, input, wait);
    }

    /**
     * Runs {@code script} as a command of its own, not in the long-lived shell: a handler the team wrote, which may
     * leave a process behind holding its output, or read what it was not given.
     */
    private Result execAlone(String script, byte[] input, Duration wait) {
        String command = sudo ? "sudo -n sh -c " + quote(script) : script;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try (ChannelExec channel = session.createExecChannel(command)) {
            channel.setOut(out);
            channel.setErr(err);
            channel.open().verify(timeout);
            // written straight to the channel, then closed, which the host reads as end of input; a command that
            // ends at once may have closed the channel already: no failure, its exit status says how it went
            try (OutputStream stdin = channel.getInvertedIn()) {
                if (input.length > 0) {
                    stdin.write(input);
                }
            } catch (IOException e) {
                if (!channel.isClosing()) {
                    throw e;
                }
            }
            Set<ClientChannelEvent> events = channel.waitFor(EnumSet.of(ClientChannelEvent.CLOSED), wait);
            if (events.contains(ClientChannelEvent.TIMEOUT)) {
                throw HostException.transientFailure(name + ": a remote command did not finish within "
                        + wait.toSeconds() + "s", null);
            }
            Integer exit = channel.getExitStatus();
            return new Result(exit == null ? -1 : exit, out.toByteArray(), err.toString(StandardCharsets.UTF_8).trim());
        } catch (IOException | IllegalStateException e) {
            // MINA says "session is being closed" with an IllegalStateException when the host went away
            throw HostException.transientFailure(name + ": the SSH connection failed: " + e.getMessage(), e);
        }
    }

    private Result exec(String script) {
        return exec(script, new byte[0]);
    }

    private static byte[] nulSeparated(Collection<String> items) {
        StringBuilder text = new StringBuilder();
        for (String item : items) {
            text.append(item).append('\0');
        }
        return text.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static List<String> splitNul(byte[] bytes) {
        List<String> parts = new ArrayList<>();
        String text = new String(bytes, StandardCharsets.UTF_8);
        int start = 0;
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) == '\0') {
                parts.add(text.substring(start, i));
                start = i + 1;
            }
        }
        return parts;
    }

    /**
     * One remote command that runs {@code command} (given the paths as arguments, by xargs) over those
     * of {@code paths} whose parent directory lands inside the root; {@code head} runs first. Its output
     * is the head's, then a REFUSED record per parent that leads outside, then the command's.
     */
    private Result batch(String head, Collection<String> paths, String command) {
        return batch(head, paths, command, "");
    }

    /** The same, then {@code tail} (a command that reads no input), in the same round trip. */
    private Result batch(String head, Collection<String> paths, String command, String tail) {
        return batch(head, paths, command, tail, timeout);
    }

    /** The same, waiting up to {@code wait} for it (a tail that runs a command with its own time limit). */
    private Result batch(String head, Collection<String> paths, String command, String tail, Duration wait) {
        if (root.isEmpty()) {
            return exec(head + "xargs -0 -r " + command + " -- 2>/dev/null; " + tail + "exit 0",
                    nulSeparated(paths.stream().map(this::remote).toList()), wait);
        }
        // the parents first, one a line, read by the shell (a builtin read leaves the rest of the input to
        // awk); then each path with the number of its parent, which awk drops when that parent is refused
        Map<String, Integer> parents = new LinkedHashMap<>();
        StringBuilder input = new StringBuilder();
        StringBuilder files = new StringBuilder();
        for (String path : paths) {
            String remote = remote(path);
            Integer index = parents.computeIfAbsent(parentOf(remote), parent -> {
                input.append(parent).append('\n');
                return parents.size();
            });
            files.append(index).append(' ').append(remote).append('\n');
        }
        input.append('\n').append(files);
        String script = head + confinement() + "bad=' '; i=0; while IFS= read -r d && [ -n \"$d\" ]; do "
                + "inside \"$d\" || { culprit \"$d\"; bad=\"$bad$i \"; }; i=$((i+1)); done; "
                + "awk -v bad=\"$bad\" '{ n = index($0, \" \"); if (index(bad, \" \" substr($0, 1, n - 1) \" \") == 0)"
                + " print substr($0, n + 1) }' | xargs -d '\\n' -r " + command + " -- 2>/dev/null; " + tail + "exit 0";
        return exec(script, input.toString().getBytes(StandardCharsets.UTF_8), wait);
    }

    /** The fields of a batch's output; REFUSED records become refusals of the paths below their parent. */
    private List<String> fields(String output, Collection<String> paths, Map<String, LiveEntry> refused) {
        List<String> fields = splitNul(output.getBytes(StandardCharsets.UTF_8));
        int i = 0;
        while (i + 3 < fields.size() && fields.get(i).equals("REFUSED")) {
            String parent = fields.get(i + 1);
            for (String path : paths) {
                if (parentOf(remote(path)).equals(parent)) {
                    refused.put(path, new LiveEntry.Refused(path, logical(fields.get(i + 2)), fields.get(i + 3), root()));
                }
            }
            i += 4;
        }
        return fields.subList(i, fields.size());
    }

    @Override
    public boolean remote() {
        return true;
    }

    @Override
    public Map<String, LiveEntry> inspect(Collection<String> paths, Map<String, LiveEntry.Known> known) {
        return inspect(paths, known, null, null).live();
    }

    /** One round trip for the stats and the command (its output after a marker the stats cannot hold). */
    @Override
    public Inspection inspectAndRun(Collection<String> paths, Map<String, LiveEntry.Known> known, String command,
            Duration commandTimeout) {
        return inspect(paths, known, command, commandTimeout);
    }

    private static final String RAN = "\0@@driftless-ran@@\0";
    /** Where stat's records start, and sha256sum's lines ("HASH  PATH"), in an inspection's output. */
    private static final String STATS = "@@driftless-stats@@";
    private static final String HASHES = "@@driftless-hashes@@";

    /**
     * The stat records of {@code fields} (8 fields each), with the hashes among them (after a HASHES field, up to a
     * STATS field) put in {@code hashed} by path. The markers are looked for between records only: an owner's name
     * can be anything, a path starts with a slash and a hash line with its hash.
     */
    private List<String> statsAndHashes(List<String> fields, Map<String, String> hashed) {
        List<String> records = new ArrayList<>();
        int i = 0;
        while (i < fields.size()) {
            String field = fields.get(i);
            if (field.equals(HASHES)) {
                for (i++; i < fields.size() && !fields.get(i).equals(STATS); i++) {
                    putHash(fields.get(i), hashed);
                }
            } else if (field.equals(STATS)) {
                i++;
            } else {
                records.addAll(fields.subList(i, Math.min(i + 8, fields.size())));
                i += 8;
            }
        }
        return records;
    }

    /** A line of {@code sha256sum -z} ("HASH  PATH") put in {@code hashed} by path. */
    private void putHash(String line, Map<String, String> hashed) {
        if (line.length() > 66) {
            hashed.put(logical(line.substring(66)), line.substring(0, 64));
        }
    }

    private Inspection inspect(Collection<String> paths, Map<String, LiveEntry.Known> known, String command,
            Duration commandTimeout) {
        List<String> distinct = paths.stream().distinct().toList();
        // first round trip: the host's clock and one stat of every path (missing ones print nothing), and the
        // command when there is one
        String tail = command == null ? "" : "printf '\\0@@driftless-ran@@\\0'; env LC_ALL=C timeout "
                + Math.max(1, commandTimeout.toSeconds()) + " sh -c " + quote(command) + " 2>&1 </dev/null; "
                + "printf '\\0@@rc=%s' \"$?\"; ";
        // when most paths have no stat the host recorded as settled (the first plan after an apply that wrote them,
        // or after the first apply), nearly every file is hashed anyway: the hashes come in this round trip, each
        // after its stat, of regular files only (never through a link), instead of in a second round trip that
        // checks every folder inside the root again
        long unsettled = distinct.stream().filter(p -> known.get(p) == null || known.get(p).stat() == null).count();
        boolean hashNow = !distinct.isEmpty() && unsettled * 2 >= distinct.size();
        String stats = "stat --printf " + quote(STAT_FORMAT);
        Result stat = batch("date +%s; ", distinct, hashNow ? "sh -c " + quote("printf '" + STATS + "\\0'; " + stats
                + " \"$@\"; printf '" + HASHES + "\\0'; shift; for f do if [ -f \"$f\" ] && [ ! -L \"$f\" ]; then "
                + "printf '%s\\0' \"$f\"; fi; done | xargs -0 -r sha256sum -z --") + " sh" : stats, tail,
                command == null ? timeout : timeout.plus(commandTimeout));
        String all = new String(stat.out(), StandardCharsets.UTF_8);
        CommandResult ran = null;
        if (command != null) {
            int at = all.indexOf(RAN);
            int rc = all.lastIndexOf("\0@@rc=");
            if (at < 0 || rc < at) {
                throw new HostException(name + ": cannot inspect files: " + stat.err());
            }
            int exit = Integer.parseInt(all.substring(rc + 6).strip());
            ran = new CommandResult(exit == 124 ? -1 : exit, all.substring(at + RAN.length(), rc), exit == 124);
            all = all.substring(0, at);
        }
        int newline = all.indexOf('\n');
        if (newline < 0) {
            throw new HostException(name + ": cannot inspect files: " + stat.err());
        }
        long now = Long.parseLong(all.substring(0, newline).trim());
        Map<String, LiveEntry> result = new HashMap<>();
        Map<String, String> hashed = new HashMap<>();
        List<String> fields = statsAndHashes(fields(all.substring(newline + 1), distinct, result), hashed);
        Map<String, String[]> files = new LinkedHashMap<>();
        List<String> links = new ArrayList<>();
        for (int i = 0; i + 8 <= fields.size(); i += 8) {
            String path = logical(fields.get(i));
            int rawMode = Integer.parseInt(fields.get(i + 1), 16);
            int mode = rawMode & 07777;
            int type = rawMode & 0170000;
            String owner = fields.get(i + 2);
            String group = fields.get(i + 3);
            if (type == 0100000) {
                long changed = Math.max(Long.parseLong(fields.get(i + 6)), Long.parseLong(fields.get(i + 7)));
                String statKey = now - changed >= SETTLED_SECONDS ? fields.get(i + 5) : null;
                LiveEntry.Known k = known.get(path);
                if (k != null && statKey != null && statKey.equals(k.stat())) {
                    result.put(path, new LiveEntry.File(k.sha256(), Long.parseLong(fields.get(i + 4)), mode, owner, group,
                            statKey));
                } else {
                    files.put(path, new String[] {fields.get(i + 4), Integer.toString(mode), owner, group, statKey});
                }
            } else if (type == 0040000) {
                result.put(path, new LiveEntry.Directory(mode, owner, group));
            } else if (type == 0120000) {
                links.add(path);
            } else {
                result.put(path, new LiveEntry.Other(type == 0010000 ? "fifo" : type == 0140000 ? "socket" : "device"));
            }
        }
        // second round trip, only when needed: hash what changed (and was not hashed above), read link targets
        Set<String> unhashed = new java.util.LinkedHashSet<>(files.keySet());
        unhashed.removeAll(hashed.keySet());
        if (!unhashed.isEmpty()) {
            for (String line : fields(new String(batch("", unhashed, "sha256sum -z").out(), StandardCharsets.UTF_8),
                    unhashed, result)) {
                putHash(line, hashed);
            }
        }
        files.forEach((path, f) -> {
            String sha = hashed.get(path);
            if (!(result.get(path) instanceof LiveEntry.Refused)) {
                result.put(path, sha == null ? new LiveEntry.Missing()
                        : new LiveEntry.File(sha, Long.parseLong(f[0]), Integer.parseInt(f[1]), f[2], f[3], f[4]));
            }
        });
        if (!links.isEmpty()) {
            List<String> targets = fields(new String(batch("", links, "readlink -z").out(), StandardCharsets.UTF_8),
                    links, result);
            for (int i = 0; i < links.size() && i < targets.size(); i++) {
                result.putIfAbsent(links.get(i), new LiveEntry.Symlink(targets.get(i)));
            }
        }
        Map<String, LiveEntry> ordered = new LinkedHashMap<>();
        distinct.forEach(p -> ordered.put(p, result.getOrDefault(p, new LiveEntry.Missing())));
        return new Inspection(ordered, ran);
    }

    @Override
    public Optional<byte[]> read(String path, long limit) {
        String f = remote(path);
        // head reads no more than one byte past the limit, however large the file has grown
        Result result = exec(confinement() + "d=" + quote(parentOf(f)) + "; n=" + quote(nameOf(f)) + "; "
                + confine("d") + enter("d")
                + "if [ -L \"$n\" ]; then echo \"$n is a symbolic link\" >&2; exit 1; fi; "
                + "head -c " + (limit + 1) + " -- \"$n\"");
        if (result.exit() == 7) {
            throw new HostException(name + ": " + refusal(path, result.out()).reason("reads"));
        }
        if (result.exit() != 0) {
            throw new HostException(name + ": cannot read " + path + ": " + result.err());
        }
        return result.out().length > limit ? Optional.empty() : Optional.of(result.out());
    }

    /**
     * All in one command and two processes: the shell reads the paths, a line each, checks each (its folder inside
     * the root, entered as the kernel resolves it; not a link) and prints a status line for it, with a token fresh
     * for this call so that no output can end another's early; then one GNU tar sends the files that passed, in
     * order (never following a link), and a last status line says how tar ended. Files are sent whole: a file past
     * {@code limit} is read as too large, after its bytes came (the planner asks only for files whose stat says they
     * are within it).
     */
    @Override
    public Map<String, Optional<byte[]>> readAll(Collection<String> paths, long limit) {
        List<String> distinct = paths.stream().distinct().toList();
        if (distinct.size() < 2) {
            return Host.super.readAll(distinct, limit);
        }
        byte[] random = new byte[16];
        new java.security.SecureRandom().nextBytes(random);
        String token = java.util.HexFormat.of().formatHex(random);
        StringBuilder input = new StringBuilder();
        distinct.forEach(p -> input.append(remote(p)).append('\n'));
        String end = "printf '\\000@@" + token + " %s\\n' \"$x\"; ";
        String script = confinement() + "set --; while IFS= read -r f; do d=${f%/*}; [ -n \"$d\" ] || d=/; n=${f##*/}; "
                + (root.isEmpty() ? "" : "if ! inside \"$d\"; then culprit \"$d\"; x=7; " + end + "continue; fi; ")
                + "if ! cd -P -- \"$d\" 2>/dev/null; then echo \"$f: no such folder\" >&2; x=1; "
                + (root.isEmpty() ? "" : "elif ! landed; then culprit \"$d\"; x=7; ")
                + "elif [ -L \"$n\" ]; then echo \"$n is a symbolic link\" >&2; x=1; "
                + "else set -- \"$@\" -C \"$PWD\" \"./$n\"; x=0; fi; " + end + "done; "
                + "x=0; [ $# -eq 0 ] || tar -c -f - --no-recursion --no-unquote \"$@\" || x=$?; " + end + "exit 0";
        Result result = exec(script, input.toString().getBytes(StandardCharsets.UTF_8));
        byte[] out = result.out();
        byte[] marker = ("\0@@" + token + " ").getBytes(StandardCharsets.US_ASCII);
        int from = 0;
        for (String path : distinct) {
            RemoteShell.EndLine line = RemoteShell.endLine(out, out.length, marker, from);
            if (line == null) {
                throw new HostException(name + ": cannot read " + path + ": " + (result.err().isEmpty()
                        ? "the read ended early" : result.err()));
            }
            byte[] before = java.util.Arrays.copyOfRange(out, from, line.at());
            from = line.next();
            if (line.exit() == 7) {
                throw new HostException(name + ": " + refusal(path, before).reason("reads"));
            }
            if (line.exit() != 0) {
                throw new HostException(name + ": cannot read " + path + ": " + result.err());
            }
        }
        RemoteShell.EndLine tarEnd = RemoteShell.endLine(out, out.length, marker, from);
        // 1: a file changed while tar read it (what it read is still there, for a diff); 2: it could not read one
        if (tarEnd == null || tarEnd.exit() > 1) {
            throw new HostException(name + ": cannot read " + String.join(", ", distinct) + ": "
                    + (result.err().isEmpty() ? "the read ended early" : result.err()));
        }
        Map<String, Optional<byte[]>> contents = new LinkedHashMap<>();
        try (var tar = new org.apache.commons.compress.archivers.tar.TarArchiveInputStream(
                new java.io.ByteArrayInputStream(out, from, tarEnd.at() - from), StandardCharsets.UTF_8.name())) {
            for (String path : distinct) {
                var entry = tar.getNextEntry();
                String expected = path.substring(path.lastIndexOf('/') + 1);
                if (entry == null || !entry.getName().replaceFirst("^(\\./)+", "").replaceFirst("/$", "").equals(expected)) {
                    throw new HostException(name + ": cannot read " + path + ": "
                            + (result.err().isEmpty() ? "it was not sent" : result.err()));
                }
                if (!entry.isFile()) {
                    throw new HostException(name + ": cannot read " + path + ": not a regular file");
                }
                contents.put(path, entry.getSize() > limit ? Optional.empty() : Optional.of(tar.readAllBytes()));
            }
        } catch (IOException e) {
            throw new HostException(name + ": cannot read " + String.join(", ", distinct) + ": " + e.getMessage());
        }
        return contents;
    }

    /** One command: exit 3 when nothing is there, 7 when refused. */
    @Override
    public Optional<byte[]> readIfPresent(String path, long limit) {
        return readResult(path, limit, exec(readScript(path, limit)));
    }

    /** What reads {@code path} (exit 3 when it is not there), as {@link #readIfPresent} runs it. */
    private String readScript(String path, long limit) {
        String f = remote(path);
        return confinement() + "d=" + quote(parentOf(f)) + "; n=" + quote(nameOf(f)) + "; "
                + confine("d") + "[ -d \"$d\" ] || exit 3; " + enter("d")
                + "if [ -L \"$n\" ]; then echo \"$n is a symbolic link\" >&2; exit 1; fi; "
                + "[ -e \"$n\" ] || exit 3; "
                + "if [ ! -f \"$n\" ]; then echo \"$n is not a regular file\" >&2; exit 1; fi; "
                + "head -c " + (limit + 1) + " -- \"$n\"";
    }

    private Optional<byte[]> readResult(String path, long limit, Result result) {
        if (result.exit() == 3) {
            return Optional.empty();
        }
        if (result.exit() == 7) {
            throw new HostException(name + ": " + refusal(path, result.out()).reason("reads"));
        }
        if (result.exit() != 0) {
            throw new HostException(name + ": cannot read " + path + ": " + result.err().strip());
        }
        if (result.out().length > limit) {
            throw new HostException(name + ": " + path + " holds more than " + limit + " bytes");
        }
        return Optional.of(result.out());
    }

    @Override
    public Accounts missing(Accounts named) {
        if (named.isEmpty()) {
            return named;
        }
        StringBuilder script = new StringBuilder();
        named.users().forEach(u -> script.append("getent passwd -- ").append(quote(u))
                .append(" >/dev/null || printf 'user\\0%s\\0' ").append(quote(u)).append("; "));
        named.groups().forEach(g -> script.append("getent group -- ").append(quote(g))
                .append(" >/dev/null || printf 'group\\0%s\\0' ").append(quote(g)).append("; "));
        Result result = exec(script.append("exit 0").toString());
        if (result.exit() != 0) {
            throw new HostException(name + ": cannot look up users and groups: " + result.err());
        }
        List<String> fields = splitNul(result.out());
        Set<String> users = new java.util.TreeSet<>();
        Set<String> groups = new java.util.TreeSet<>();
        for (int i = 0; i + 1 < fields.size(); i += 2) {
            (fields.get(i).equals("user") ? users : groups).add(fields.get(i + 1));
        }
        return new Accounts(users, groups);
    }

    static String parentOf(String path) {
        int slash = path.lastIndexOf('/');
        return slash <= 0 ? "/" : path.substring(0, slash);
    }

    private static String nameOf(String path) {
        return path.substring(path.lastIndexOf('/') + 1);
    }

    /** The temporary sibling of a file, by name: the commands work inside the file's directory. */
    private static String tempOf(String path) {
        return "." + nameOf(path) + LocalHost.TEMP_SUFFIX;
    }

    /**
     * Gives the temporary file "$t" the owner and group of the resource, or those of the regular file
     * "$n" it replaces; a link's are never taken (chown --reference would follow it).
     */
    private static String ownershipOf(Ownership ownership) {
        String keep = "if [ -f \"$n\" ] && [ ! -L \"$n\" ]; then chown --reference=\"$n\" -- \"$t\" 2>/dev/null || true; fi; ";
        return ownership.owner().map(o -> "chown -- " + quote(o) + " \"$t\"; ").orElse(keep)
                + ownership.group().map(g -> "chgrp -- " + quote(g) + " \"$t\"; ").orElse("");
    }

    /** Gives "$t" its final mode: the resource's, or that of the regular file "$n" it replaces, or the default. */
    private static String modeOf(Ownership ownership, int defaultMode) {
        return ownership.mode().map(m -> "chmod " + Integer.toOctalString(m) + " -- \"$t\"; ")
                .orElse("if [ -f \"$n\" ] && [ ! -L \"$n\" ]; then chmod --reference=\"$n\" -- \"$t\"; else chmod "
                        + Integer.toOctalString(defaultMode) + " -- \"$t\"; fi; ");
    }

    /** The names the commands of one path use: f the file, d its directory, n its name, t its temporary sibling. */
    private String names(String f) {
        return "f=" + quote(f) + "; d=" + quote(parentOf(f)) + "; n=" + quote(nameOf(f)) + "; t=" + quote(tempOf(f)) + "; ";
    }

    @Override
    public void writeFile(String path, byte[] content, Ownership ownership) {
        String f = remote(path);
        // nobody but its owner may read the temporary file until it is complete: created under umask 077
        // (after the directories, which keep the usual mode), given its owner before the first byte, given
        // its final mode only once complete and synced
        String script = "set -e; " + confinement() + names(f) + confine("d")
                + "if [ -d \"$f\" ] && [ ! -L \"$f\" ]; then exit 3; fi; "
                + "mkdir -p -- \"$d\"; " + enter("d")
                + "trap 'rm -f -- \"$t\"' EXIT; rm -f -- \"$t\"; "
                + "umask 077; set -C; : > \"$t\"; set +C; "
                + ownershipOf(ownership)
                + "cat >> \"$t\"; sync -- \"$t\"; "
                + modeOf(ownership, 0644)
                + "mv -fT -- \"$t\" \"$n\"; sync -- . 2>/dev/null || true";
        Result result = exec(script, content);
        if (result.exit() == 7) {
            throw new HostException(name + ": " + refusal(path, result.out()).reason("writes"));
        }
        if (result.exit() == 3) {
            throw new HostException(name + ": " + path + " is a directory on the host, where the repository wants a"
                    + " file; move it away by hand, then apply again");
        }
        if (result.exit() != 0) {
            throw new HostException(name + ": cannot write " + path + ": " + result.err()
                    + "; what was there is unchanged");
        }
    }

    private static final String WRITTEN = "\0@@driftless-written ";

    /**
     * The whole batch in one round trip, as one stream ({@link WriteStream}): the folders, links and deletions are
     * done in order as the header section is read; the files, whose bytes come after it as one tar archive, are
     * each made empty and private in a private folder of ours beside the first folder written to, given their
     * owner and group, filled by tar, given their mode once all bytes are in, moved beside their folder, synced
     * and renamed into place: a process per folder, none per file. A stream cut short renames nothing. A record
     * per write done, and one for the write that failed, come back.
     */
    @Override
    public Written write(List<Write> writes) {
        if (writes.isEmpty()) {
            return new Written(Set.of(), Map.of(), Optional.empty());
        }
        for (Write write : writes) {
            if (write instanceof LinkWrite link && (link.target().indexOf('\n') >= 0 || link.target().indexOf('\0') >= 0)) {
                throw new HostException(name + ": link targets with a line break cannot be managed over SSH: "
                        + link.path());
            }
        }
        byte[] stream = WriteStream.of(writes, this::remote);
        Duration wait = timeout.plusSeconds(writes.size()).plusSeconds(stream.length / (10L << 20));
        Result result = exec(confinement() + WriteStream.SCRIPT, stream, wait);
        return written(writes, result);
    }

    /** The records a batch printed, as what it did and the write that failed. */
    private Written written(List<Write> writes, Result result) {
        byte[] out = result.out();
        String text = new String(out, StandardCharsets.UTF_8);
        Set<Integer> done = new java.util.LinkedHashSet<>();
        Map<Integer, Removal> removals = new HashMap<>();
        Optional<Failed> failed = Optional.empty();
        int at = 0;
        // the failed write's record may come before those of renames done after it (of files written before it)
        while ((at = text.indexOf(WRITTEN, at)) >= 0) {
            int end = text.indexOf('\0', at + 1);
            String[] record = text.substring(at + WRITTEN.length(), end < 0 ? text.length() : end).split(" ");
            at = end < 0 ? text.length() : end;
            int index = Integer.parseInt(record[1]);
            if (record[0].equals("D")) {
                done.add(index);
                if (record.length > 2) {
                    removals.put(index, switch (record[2]) {
                        case "4" -> Removal.KEPT_NOT_EMPTY;
                        case "5" -> Removal.ALREADY_GONE;
                        default -> Removal.REMOVED;
                    });
                }
            } else if (failed.isEmpty()) {
                failed = Optional.of(new Failed(index, failure(writes.get(index), writes.get(index).path(),
                        Integer.parseInt(record[2]), out, result.err())));
            }
        }
        if (failed.isPresent()) {
            return new Written(done, removals, failed);
        }
        if (result.exit() != 0 || done.size() < writes.size()) {
            int index = 0;
            while (done.contains(index)) {
                index++;
            }
            int first = Math.min(index, writes.size() - 1);
            return new Written(done, removals, Optional.of(new Failed(first, failure(writes.get(first), writes.get(first).path(),
                    result.exit() == 9 ? 9 : 1, out, result.err()))));
        }
        return new Written(done, removals, Optional.empty());
    }

    private HostException failure(Write write, String path, int code, byte[] out, String err) {
        if (write instanceof Deletion) {
            return code == 7 ? new HostException(name + ": " + refusal(path, out).reason("deletes"))
                    : new HostException(name + ": cannot remove " + path + ": " + (err.isEmpty() ? "failed" : err));
        }
        String what = write instanceof FileWrite ? "file" : write instanceof DirectoryWrite ? "directory"
                : "symbolic link";
        return switch (code) {
            case 7 -> new HostException(name + ": " + refusal(path, out).reason("writes"));
            case 3 -> new HostException(name + ": " + path + (write instanceof DirectoryWrite
                    ? " exists on the host and is not a directory; move it away by hand, then apply again"
                    : " is a directory on the host, where the repository wants a " + what
                            + "; move it away by hand, then apply again"));
            case 9 -> HostException.transientFailure(name + ": the stream of writes was cut short before " + path
                    + "; nothing of it was renamed into place", null);
            default -> new HostException(name + ": cannot write " + path + ": " + (err.isEmpty() ? "failed" : err)
                    + (write instanceof FileWrite ? "; what was there is unchanged" : ""));
        };
    }

    @Override
    public void makeDirectory(String path, Ownership ownership) {
        String f = remote(path);
        StringBuilder script = new StringBuilder("set -e; " + confinement() + names(f) + confine("d"));
        // a link there is not a directory: chmod and chown would follow it
        script.append("if [ -L \"$f\" ] || { [ -e \"$f\" ] && [ ! -d \"$f\" ]; }; then exit 3; fi; ");
        script.append("if [ ! -d \"$f\" ]; then mkdir -p -- \"$f\"; chmod 755 -- \"$f\"; fi; ");
        script.append(enter("f"));
        ownership.mode().ifPresent(m -> script.append("chmod ").append(Integer.toOctalString(m)).append(" -- .; "));
        ownership.owner().ifPresent(o -> script.append("chown -- ").append(quote(o)).append(" .; "));
        ownership.group().ifPresent(g -> script.append("chgrp -- ").append(quote(g)).append(" .; "));
        Result result = exec(script.toString());
        if (result.exit() == 7) {
            throw new HostException(name + ": " + refusal(path, result.out()).reason("writes"));
        }
        if (result.exit() == 3) {
            throw new HostException(name + ": " + path + " exists on the host and is not a directory; move it away by"
                    + " hand, then apply again");
        }
        if (result.exit() != 0) {
            throw new HostException(name + ": cannot create directory " + path + ": " + result.err());
        }
    }

    @Override
    public void symlink(String path, String target) {
        String f = remote(path);
        String script = "set -e; " + confinement() + names(f) + confine("d")
                + "if [ -d \"$f\" ] && [ ! -L \"$f\" ]; then exit 3; fi; "
                + "mkdir -p -- \"$d\"; " + enter("d")
                + "trap 'rm -f -- \"$t\"' EXIT; rm -f -- \"$t\"; "
                + "ln -s -- " + quote(target) + " \"$t\"; mv -fT -- \"$t\" \"$n\"";
        Result result = exec(script);
        if (result.exit() == 7) {
            throw new HostException(name + ": " + refusal(path, result.out()).reason("writes"));
        }
        if (result.exit() == 3) {
            throw new HostException(name + ": " + path + " is a directory on the host, where the repository wants a"
                    + " symbolic link; move it away by hand, then apply again");
        }
        if (result.exit() != 0) {
            throw new HostException(name + ": cannot create symbolic link " + path + ": " + result.err());
        }
    }

    @Override
    public int removeLeftovers(Collection<String> directories) {
        if (directories.isEmpty()) {
            return 0;
        }
        // one command for all: the shell reads the folders (a line each) and globs each itself, so a
        // folder costs no process; one that leads outside the root is skipped: nothing of ours is there
        StringBuilder input = new StringBuilder();
        new java.util.TreeSet<>(directories).forEach(d -> input.append(remote(d)).append('\n'));
        String script = confinement() + "while IFS= read -r d; do "
                + (root.isEmpty() ? "" : "inside \"$d\" || continue; ")
                + "cd -P -- \"$d\" 2>/dev/null || continue; "
                + (root.isEmpty() ? "" : "landed || continue; ")
                + "for x in .*" + LocalHost.TEMP_SUFFIX + "; do "
                + "if [ -f \"$x\" ] && [ ! -L \"$x\" ] && rm -f -- \"$x\"; then echo removed; "
                // the private folders of a batch cut short (see WriteStream)
                + "elif { [ \"$x\" = " + WriteStream.BATCH + " ] || [ \"$x\" = " + WriteStream.STAGE + " ]; } "
                + "&& [ -d \"$x\" ] && [ ! -L \"$x\" ] && rm -rf -- \"$x\"; then echo removed; fi; done; done; exit 0";
        Result result = exec(script, input.toString().getBytes(StandardCharsets.UTF_8));
        return (int) new String(result.out(), StandardCharsets.UTF_8).lines().count();
    }

    @Override
    public Removal remove(String path) {
        String f = remote(path);
        Result result = exec(confinement() + names(f) + "[ -d \"$d\" ] || exit 5; " + confine("d")
                + "cd -P -- \"$d\" || exit 6; "
                + (root.isEmpty() ? "" : "landed || refuse \"$d\"; ")
                + "if [ -d \"$n\" ] && [ ! -L \"$n\" ]; then rmdir -- \"$n\" 2>/dev/null || exit 4; "
                + "elif [ -e \"$n\" ] || [ -L \"$n\" ]; then rm -f -- \"$n\"; else exit 5; fi");
        return switch (result.exit()) {
            case 0 -> Removal.REMOVED;
            case 4 -> Removal.KEPT_NOT_EMPTY;
            case 5 -> Removal.ALREADY_GONE;
            case 7 -> throw new HostException(name + ": " + refusal(path, result.out()).reason("deletes"));
            default -> throw new HostException(name + ": cannot remove " + path + ": " + result.err());
        };
    }

    /** The key exchange this connection agreed on with the host (as OpenSSH names it). */
    String keyExchange() {
        return session.getKexNegotiationResult().get(org.apache.sshd.common.kex.KexProposalOption.ALGORITHMS);
    }

    @Override
    public CommandResult run(String command, Map<String, String> environment, Duration commandTimeout) {
        return run(command, environment, new byte[0], commandTimeout);
    }

    @Override
    public CommandResult run(String command, Map<String, String> environment, byte[] input, Duration commandTimeout) {
        StringBuilder script = new StringBuilder();
        environment.forEach((k, v) -> script.append(k).append('=').append(quote(v)).append(' '));
        script.append("timeout ").append(Math.max(1, commandTimeout.toSeconds())).append(" sh -c ")
                .append(quote(command)).append(" 2>&1");
        Result result = execAlone("env " + script, input, timeout.plus(commandTimeout));
        boolean timedOut = result.exit() == 124;
        return new CommandResult(timedOut ? -1 : result.exit(), new String(result.out(), StandardCharsets.UTF_8),
                timedOut);
    }

    /**
     * One channel of this host's connection. sshd signals nothing to a command without a terminal when the channel
     * closes, so the command runs in the background and a watchdog ends it when the channel's input ends: when the
     * stream is closed or the connection lost. (A background job's input would be /dev/null: it gets the channel's
     * by fd 3.)
     */
    @Override
    public Following follow(String command, Consumer<String> line) {
        String script = "exec 3<&0; sh -c " + quote(command) + " </dev/null 2>&1 & p=$!; "
                + "{ cat >/dev/null; kill $p; } <&3 >/dev/null 2>&1 & exec 3<&-; wait $p";
        FollowedLines out = new FollowedLines(line);
        FollowedLines err = new FollowedLines(line);
        ChannelExec channel = null;
        try {
            channel = session.createExecChannel(sudo ? "sudo -n sh -c " + quote(script) : script);
            channel.setOut(out);
            channel.setErr(err);
            channel.open().verify(timeout);
        } catch (IOException | IllegalStateException e) {
            if (channel != null) {
                channel.close(true);
            }
            throw HostException.transientFailure(name + ": cannot follow a command's output: the SSH connection failed: "
                    + e.getMessage(), e);
        }
        ChannelExec opened = channel;
        return new Following() {
            @Override
            public int awaitEnd() throws InterruptedException {
                while (!opened.waitFor(EnumSet.of(ClientChannelEvent.CLOSED), Duration.ofMinutes(1))
                        .contains(ClientChannelEvent.CLOSED)) {
                    if (Thread.interrupted()) {
                        throw new InterruptedException();
                    }
                }
                out.close();
                err.close();
                Integer exit = opened.getExitStatus();
                return exit == null ? -1 : exit;
            }

            @Override
            public void close() {
                // the end of input first, which the watchdog waits for (sshd keeps it open on a channel's close)
                try {
                    opened.getInvertedIn().close();
                } catch (IOException e) {
                    // the channel is closed next anyway
                }
                opened.close(false);
            }
        };
    }

    /**
     * Runs a command that may take long (a package's installation, a remote bootstrap) with {@code input} on its
     * standard input, then its end, and hands each line of its output, standard error included, to {@code line} as
     * it comes. Returns its exit status, -1 when it has none (the connection was lost).
     *
     * @throws HostException when the connection fails, or the command has not ended within {@code limit}
     */
    public int execute(String command, java.io.InputStream input, Consumer<String> line, Duration limit) {
        FollowedLines out = new FollowedLines(line);
        String script = "exec 2>&1; " + command;
        try (ChannelExec channel = session.createExecChannel(sudo ? "sudo -n sh -c " + quote(script) : script)) {
            channel.setOut(out);
            channel.open().verify(timeout);
            // the window of the channel paces this copy: a package of many megabytes is never held whole
            try (OutputStream stdin = channel.getInvertedIn()) {
                input.transferTo(stdin);
            } catch (IOException e) {
                if (!channel.isClosing()) {
                    throw e;
                }
            }
            Set<ClientChannelEvent> events = channel.waitFor(EnumSet.of(ClientChannelEvent.CLOSED), limit);
            if (events.contains(ClientChannelEvent.TIMEOUT)) {
                throw new HostException(name + ": a remote command did not finish within " + limit.toSeconds() + " s");
            }
            out.close();
            Integer exit = channel.getExitStatus();
            return exit == null ? -1 : exit;
        } catch (IOException | IllegalStateException e) {
            throw HostException.transientFailure(name + ": the SSH connection failed: " + e.getMessage(), e);
        }
    }

    @Override
    public Socket connect(String target, int port, Duration connectTimeout) throws IOException {
        return SshForward.open(session, name, target, port, connectTimeout);
    }

    /**
     * The lock is held by the long-lived shell itself: its fd 9 on the lock file, locked with flock, which no other
     * script of this shell inherits. When the connection goes, the shell reads the end of its input and exits, and
     * the host releases the lock; no login shell of its own is started for it. Two round trips at most: the lock
     * file's folder resolved inside the root (and made) and the lock taken or its holder named, then the wait.
     * (lockAndRead reads the state in the round trip that takes the lock.)
     */
    @Override
    public AutoCloseable lock(Duration wait, Consumer<String> onWait) {
        return take(wait, onWait, "").lock();
    }

    /** Takes the lock and reads {@code path} under it in the round trip that takes it (unless it had to wait). */
    @Override
    public Locked lockAndRead(Duration wait, Consumer<String> onWait, String path, long limit) {
        Taken taken = take(wait, onWait, "( " + readScript(path, limit) + " ) </dev/null 9>&-; ");
        Optional<byte[]> content;
        try {
            content = taken.then().isPresent() ? readResult(path, limit, taken.then().get()) : readIfPresent(path, limit);
        } catch (RuntimeException e) {
            Host.release(taken.lock());
            throw e;
        }
        return Locked.of(taken.lock(), content);
    }

    /** The lock taken, and what the script run once it was taken said, when it ran in the same round trip. */
    private record Taken(AutoCloseable lock, Optional<Result> then) {
    }

    /**
     * Takes the apply lock in the connection's shell; {@code then} (a script that does not exit, or "") runs right
     * after in the same round trip when the lock is free at once, its output after the shell's "LOCKED" line.
     */
    private Taken take(Duration wait, Consumer<String> onWait, String then) {
        String lockFile = remote(LOCK_FILE);
        String n = quote(nameOf(lockFile));
        // the lock file's folder resolved inside the root (and made), in a subshell: its exits cannot end this
        // shell, and its output is captured (a slash ends it, so that no newline of the path is lost); when it
        // fails (rare) it runs again uncaptured after a WHERE line, to say why with the refusal's NUL-separated
        // record. A link at the lock is an error, never opened: it could point at any file to truncate
        String where = "(" + confinement() + names(lockFile) + confine("d") + "mkdir -p -- \"$d\" || exit 2; "
                + enter("d") + "if [ -L \"$n\" ]; then echo LINK; exit 2; fi; printf '%s/' \"$PWD\") </dev/null 9>&-";
        // then, in the shell itself (no exit there): the folder entered again and checked, the link test again, then
        // open; the status is that of what ran after the lock was taken. The folder stays in the shell's
        // driftless_lockdir for the wait, if there is one
        String take = "driftless_lockdir=$( " + where + " 2>/dev/null); x=$?; driftless_lockdir=${driftless_lockdir%/}; "
                + "if [ $x -ne 0 ]; then echo WHERE; " + where + "; "
                + "elif cd -P -- \"$driftless_lockdir\" 2>/dev/null && [ \"$PWD\" = \"$driftless_lockdir\" ] && [ ! -L " + n
                + " ] && command exec 9>>" + n + "; then "
                + "if flock -n 9; then echo $$ > " + n + "; echo LOCKED; cd /; " + then + "else printf 'WAIT %s\\n' \"$(cat -- "
                + n + ")\"; fi; else echo UNSAFE; fi; x=$?; cd /; (exit $x)";
        Result taken = shell.runHere(take, timeout);
        byte[] out = taken.out();
        int newline = RemoteShell.indexOf(out, out.length, new byte[] {'\n'}, 0);
        String said = new String(out, 0, newline < 0 ? out.length : newline, StandardCharsets.UTF_8).strip();
        byte[] rest = java.util.Arrays.copyOfRange(out, newline < 0 ? out.length : newline + 1, out.length);
        if (said.equals("WHERE")) {
            if (taken.exit() == 7) {
                throw new HostException(name + ": " + refusal(LOCK_FILE, rest).reason("writes"));
            }
            boolean link = new String(rest, StandardCharsets.UTF_8).equals("LINK\n");
            throw new HostException(name + ": cannot take the apply lock: " + (link ? LOCK_FILE
                    + " is a symbolic link, which Driftless never follows; remove it, then try again"
                    : taken.err().isEmpty() ? "exit " + taken.exit() : taken.err()));
        }
        Optional<Result> after = said.equals("LOCKED") ? Optional.of(new Result(taken.exit(), rest, taken.err()))
                : Optional.empty();
        if (said.startsWith("WAIT")) {
            String holder = said.substring(4).trim();
            onWait.accept("waiting for the lock on host " + name + " held by "
                    + (holder.isEmpty() ? "another apply" : "pid " + holder) + " (up to " + wait.toSeconds() + "s)");
            taken = shell.runHere("if flock -w " + Math.max(1, wait.toSeconds()) + " 9; then echo $$ > "
                    + "\"$driftless_lockdir\"/" + n + "; echo LOCKED; else command exec 9>&-; echo TIMEOUT; fi",
                    timeout.plus(wait));
            said = new String(taken.out(), StandardCharsets.UTF_8).strip();
            if (said.equals("TIMEOUT")) {
                throw HostException.transientFailure(name + ": gave up after " + wait.toSeconds() + "s waiting for the"
                        + " apply lock (use --lock-timeout to wait longer)", null);
            }
        }
        if (!said.equals("LOCKED")) {
            shell.runHere("command exec 9>&-", timeout);
            throw new HostException(name + ": cannot take the apply lock: " + (said.equals("UNSAFE")
                    ? LOCK_FILE + " changed while it was opened (a link or a folder swapped in); try again"
                    : taken.err().isEmpty() ? "the remote command ended" : taken.err()));
        }
        shell.holdingLock(true);
        return new Taken(() -> {
            shell.holdingLock(false);
            try {
                shell.runHere("command exec 9>&-", timeout);
            } catch (HostException e) {
                // the connection is gone, and with it the shell that held the lock
            }
        }, after);
    }

    @Override
    public void close() {
        shell.close();
        session.close(false);
    }
}

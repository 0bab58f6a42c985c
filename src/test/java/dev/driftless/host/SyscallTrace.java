package dev.driftless.host;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The system calls an strace run recorded ({@code strace -f -y -o FILE}), in the order they happened,
 * and what they did to one file: when it was created and with which mode, when its owner and its mode
 * were set, when it was written. Unfinished calls are joined with their resumption.
 */
record SyscallTrace(List<Call> calls) {

    /** The calls strace must record for {@link #of}: the name of each file touched, with -y. */
    static final String CALLS = "openat,open,creat,fchmod,fchmodat,chmod,fchown,fchownat,chown,lchown,write,pwrite64,"
            + "writev,rename,renameat,renameat2,umask,chdir";

    /** The command line prefix that records them in {@code out}. */
    static List<String> strace(Path out) {
        return List.of("strace", "-f", "-qq", "-y", "--seccomp-bpf", "-e", "signal=none", "-e", "trace=" + CALLS,
                "-o", out.toString());
    }

    /** One call: its process, name, argument text (with -y paths) and result text. */
    record Call(int pid, String name, String args, String result) {

        boolean succeeded() {
            return !result.startsWith("-1");
        }

        /**
         * Whether the call names {@code fileName} as a path argument or as the file behind a descriptor (or the
         * name a batch of writes gives it in its private folder, its folder's number before it: K.NAME).
         */
        boolean touches(String fileName) {
            Pattern named = Pattern.compile("[/\"](\\d+\\.)?" + Pattern.quote(fileName) + "[>\"]");
            return named.matcher(args).find() || named.matcher(result).find();
        }

        boolean isWrite() {
            return name.equals("write") || name.equals("pwrite64") || name.equals("writev");
        }

        boolean createsOrOpens() {
            return name.equals("openat") || name.equals("open") || name.equals("creat");
        }

        boolean setsMode() {
            return name.equals("fchmod") || name.equals("fchmodat") || name.equals("chmod");
        }

        boolean setsOwner() {
            return name.equals("fchown") || name.equals("fchownat") || name.equals("chown") || name.equals("lchown");
        }

        /** The octal mode argument of an open with O_CREAT or of a chmod, else -1. */
        int modeArgument() {
            Matcher m = Pattern.compile(", (0[0-7]+)\\)?$").matcher(args);
            return m.find() ? Integer.parseInt(m.group(1), 8) : -1;
        }
    }

    private static final Pattern LINE = Pattern.compile("^(\\d+)\\s+(\\w+)\\((.*)\\)\\s+=\\s+(.*)$");
    private static final Pattern UNFINISHED = Pattern.compile("^(\\d+)\\s+(\\w+)\\((.*) <unfinished \\.\\.\\.>$");
    private static final Pattern RESUMED = Pattern.compile("^(\\d+)\\s+<\\.\\.\\. (\\w+) resumed>(.*)\\)\\s+=\\s+(.*)$");

    static SyscallTrace of(Path file) throws IOException {
        List<Call> calls = new ArrayList<>();
        Map<Integer, String> pending = new HashMap<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            Matcher m;
            if ((m = UNFINISHED.matcher(line)).matches()) {
                pending.put(Integer.parseInt(m.group(1)), m.group(3));
            } else if ((m = RESUMED.matcher(line)).matches()) {
                int pid = Integer.parseInt(m.group(1));
                calls.add(new Call(pid, m.group(2), pending.getOrDefault(pid, "") + m.group(3), m.group(4)));
                pending.remove(pid);
            } else if ((m = LINE.matcher(line)).matches()) {
                calls.add(new Call(Integer.parseInt(m.group(1)), m.group(2), m.group(3), m.group(4)));
            }
        }
        return new SyscallTrace(calls);
    }

    /**
     * The folder the new name of a rename is relative to: its directory descriptor's (renameat, renameat2 with
     * AT_FDCWD, shown by -y), or for rename the folder the process last entered (chdir); null when not known.
     */
    String renamedWithin(Event rename) {
        Call call = rename.call();
        int at = call.args().lastIndexOf("AT_FDCWD<");
        if (at >= 0) {
            return call.args().substring(at + "AT_FDCWD<".length(), call.args().indexOf('>', at));
        }
        for (int i = rename.index() - 1; i >= 0; i--) {
            Call before = calls.get(i);
            if (before.pid() == call.pid() && before.name().equals("chdir") && before.succeeded()) {
                return before.args().substring(1, before.args().length() - 1);
            }
        }
        return null;
    }

    /** What happened to the file named {@code fileName} (in any directory), in order. */
    FileStory story(String fileName) {
        Map<Integer, Integer> umask = new HashMap<>();
        List<Event> events = new ArrayList<>();
        for (int i = 0; i < calls.size(); i++) {
            Call call = calls.get(i);
            if (call.name().equals("umask")) {
                umask.put(call.pid(), Integer.parseInt(call.args().trim(), 8));
                continue;
            }
            if (!call.touches(fileName) || !call.succeeded()) {
                continue;
            }
            if (call.createsOrOpens() && call.args().contains("O_CREAT")) {
                // the mode the file gets is the one asked for less the process's umask (when it set one)
                events.add(new Event(i, Kind.CREATE, call.modeArgument() & ~umask.getOrDefault(call.pid(), 0), call));
            } else if (call.setsOwner()) {
                events.add(new Event(i, Kind.OWNER, -1, call));
            } else if (call.setsMode()) {
                events.add(new Event(i, Kind.MODE, call.modeArgument(), call));
            } else if (call.isWrite()) {
                events.add(new Event(i, Kind.WRITE, -1, call));
            } else if (call.name().startsWith("rename")) {
                events.add(new Event(i, Kind.RENAME, -1, call));
            }
        }
        return new FileStory(fileName, events);
    }

    enum Kind { CREATE, OWNER, MODE, WRITE, RENAME }

    /** One thing done to the file; {@code mode} for a creation or a chmod. */
    record Event(int index, Kind kind, int mode, Call call) {
        @Override
        public String toString() {
            return kind + (mode >= 0 ? " " + Integer.toOctalString(mode) : "") + ": " + call;
        }
    }

    /** The events of one file, first to last. */
    record FileStory(String fileName, List<Event> events) {

        List<Event> of(Kind kind) {
            return events.stream().filter(e -> e.kind() == kind).toList();
        }

        Event first(Kind kind) {
            return of(kind).stream().findFirst().orElseThrow(() -> new AssertionError(
                    "no " + kind + " of " + fileName + " in the trace: " + events));
        }

        Event last(Kind kind) {
            List<Event> all = of(kind);
            if (all.isEmpty()) {
                throw new AssertionError("no " + kind + " of " + fileName + " in the trace: " + events);
            }
            return all.get(all.size() - 1);
        }

        /**
         * Every moment the content was open to another user: a creation with a mode granting group or
         * other anything, an owner set after the first byte, a group or other mode before the last byte.
         */
        List<String> exposures() {
            List<String> found = new ArrayList<>();
            Event created = first(Kind.CREATE);
            if ((created.mode() & 077) != 0) {
                found.add("created with mode " + Integer.toOctalString(created.mode()) + ": " + created.call());
            }
            int firstWrite = first(Kind.WRITE).index();
            int lastWrite = last(Kind.WRITE).index();
            for (Event e : events) {
                if (e.kind() == Kind.OWNER && e.index() > firstWrite) {
                    found.add("owner set after the first write: " + e.call());
                }
                if (e.kind() == Kind.MODE && (e.mode() & 077) != 0 && e.index() < lastWrite) {
                    found.add("mode " + Integer.toOctalString(e.mode()) + " set before the last write: " + e.call());
                }
            }
            return found;
        }

        @Override
        public String toString() {
            StringBuilder text = new StringBuilder(fileName).append(":\n");
            events.forEach(e -> text.append("  ").append(e).append('\n'));
            return text.toString();
        }
    }
}

package dev.driftless.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * A flat local apt repository of real .deb packages built from tiny descriptions ({@link Deb}), to install
 * from inside a {@link DebianRoot} or a {@link SystemdMachine} without any mirror:
 * <pre>
 * AptRepo repo = AptRepo.create(dir)
 *         .add(Deb.of("demo-app", "1.0").script("/usr/bin/demo-app", "#!/bin/sh\necho 1.0\n"))
 *         .add(Deb.of("demo-app", "1.1").script("/usr/bin/demo-app", "#!/bin/sh\necho 1.1\n"));
 * repo.publishTo(root.dir());   // then: apt-get update &amp;&amp; apt-get install -y demo-app   (installs 1.1)
 * </pre>
 */
public final class AptRepo {

    /** Where {@link #publishTo} puts the repository inside a root. */
    public static final String MOUNT_POINT = "/srv/test-apt";
    private static final Duration TIMEOUT = Duration.ofMinutes(1);
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9+.-]+");
    private static final Pattern VERSION = Pattern.compile("([0-9]+:)?[0-9][A-Za-z0-9.+~-]*");

    /** One package: control fields, the files it ships (absolute path to content and mode), maintainer scripts. */
    public record Deb(String name, String version, List<String> depends, Map<String, Content> files,
            Map<String, String> scripts) {

        /** A file's content and its octal mode, e.g. {@code 644}. */
        public record Content(String text, String mode) {
        }

        public Deb {
            if (!NAME.matcher(name).matches()) {
                throw new IllegalArgumentException("not a Debian package name: " + name);
            }
            if (!VERSION.matcher(version).matches()) {
                throw new IllegalArgumentException("not a Debian version: " + version);
            }
            depends = List.copyOf(depends);
            files = Map.copyOf(files);
            scripts = Map.copyOf(scripts);
        }

        /** A package that ships nothing yet. */
        public static Deb of(String name, String version) {
            return new Deb(name, version, List.of(), Map.of(), Map.of());
        }

        /** Adds a Depends entry, e.g. {@code demo-lib (>= 1.0)}. */
        public Deb depends(String dependency) {
            List<String> more = new ArrayList<>(depends);
            more.add(dependency);
            return new Deb(name, version, more, files, scripts);
        }

        /** Ships a file readable by all (mode 644). */
        public Deb file(String path, String text) {
            return withFile(path, new Content(text, "644"));
        }

        /** Ships an executable file (mode 755), e.g. a program in /usr/bin. */
        public Deb script(String path, String text) {
            return withFile(path, new Content(text, "755"));
        }

        /** Ships a systemd unit in /lib/systemd/system; it is neither enabled nor started unless a postinst does it. */
        public Deb unit(String unitName, String text) {
            return file("/lib/systemd/system/" + unitName, text);
        }

        /** A maintainer script run by dpkg after unpacking ({@code configure}), e.g. to enable the unit. */
        public Deb postinst(String text) {
            Map<String, String> more = new LinkedHashMap<>(scripts);
            more.put("postinst", text);
            return new Deb(name, version, depends, files, more);
        }

        private Deb withFile(String path, Content content) {
            if (!path.startsWith("/") || path.contains("/../") || path.endsWith("/")) {
                throw new IllegalArgumentException("not an absolute file path: " + path);
            }
            Map<String, Content> more = new LinkedHashMap<>(files);
            more.put(path, content);
            return new Deb(name, version, depends, more, scripts);
        }

        private String control() {
            StringBuilder control = new StringBuilder()
                    .append("Package: ").append(name).append('\n')
                    .append("Version: ").append(version).append('\n')
                    .append("Architecture: all\n")
                    .append("Maintainer: Driftless tests <tests@driftless.invalid>\n");
            if (!depends.isEmpty()) {
                control.append("Depends: ").append(String.join(", ", depends)).append('\n');
            }
            return control.append("Description: ").append(name).append(' ').append(version).append(" for Driftless's tests\n")
                    .toString();
        }
    }

    private final Path dir;

    private AptRepo(Path dir) {
        this.dir = dir;
    }

    /** An empty repository in {@code dir}. */
    public static AptRepo create(Path dir) throws IOException {
        Assumptions.assumeTrue(Command.run(TIMEOUT, "sh", "-c", "command -v dpkg-scanpackages").exitCode() == 0,
                "dpkg-scanpackages is missing: scripts/test.sh installs dpkg-dev");
        Files.createDirectories(dir);
        AptRepo repo = new AptRepo(dir);
        repo.index();
        return repo;
    }

    /** The folder holding the .deb files and their Packages index. */
    public Path dir() {
        return dir;
    }

    /** Builds {@code deb} with dpkg-deb into this repository and indexes it beside the versions already there. */
    public AptRepo add(Deb deb) throws IOException {
        Path build = Files.createTempDirectory("driftless-deb");
        try {
            Path control = Files.createDirectories(build.resolve("DEBIAN"));
            Files.writeString(control.resolve("control"), deb.control(), StandardCharsets.UTF_8);
            for (Map.Entry<String, String> script : deb.scripts().entrySet()) {
                write(control.resolve(script.getKey()), new Deb.Content(script.getValue(), "755"));
            }
            for (Map.Entry<String, Deb.Content> file : deb.files().entrySet()) {
                Path target = build.resolve(file.getKey().substring(1));
                Files.createDirectories(target.getParent());
                write(target, file.getValue());
            }
            Path debFile = dir.resolve(deb.name() + "_" + deb.version().replace(':', '%') + "_all.deb");
            // --root-owner-group: the files are root's inside the package, whoever built it
            Command.run(TIMEOUT, "dpkg-deb", "--root-owner-group", "-Zgzip", "--build", build.toString(), debFile.toString())
                    .orThrow();
        } finally {
            Command.run(TIMEOUT, "rm", "-rf", build.toString());
        }
        index();
        return this;
    }

    private static void write(Path file, Deb.Content content) throws IOException {
        Files.writeString(file, content.text(), StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(rwx(content.mode())));
    }

    private static String rwx(String octal) {
        if (!octal.matches("[0-7]{3}")) {
            throw new IllegalArgumentException("not an octal mode: " + octal);
        }
        StringBuilder bits = new StringBuilder();
        for (char digit : octal.toCharArray()) {
            int value = digit - '0';
            bits.append((value & 4) != 0 ? 'r' : '-').append((value & 2) != 0 ? 'w' : '-').append((value & 1) != 0 ? 'x' : '-');
        }
        return bits.toString();
    }

    private void index() throws IOException {
        // --multiversion: demo-app 1.0 and 1.1 both stay installable (apt picks the newest unless told "=1.0")
        Command.Result scan = Command.run(TIMEOUT, "sh", "-c", "cd \"$0\" && dpkg-scanpackages --multiversion . 2>&1 >Packages.new"
                + " && mv Packages.new Packages", dir.toString()).orThrow();
        if (scan.output().contains("warning")) {
            throw new IllegalStateException("dpkg-scanpackages in " + dir + " warned:\n" + scan.output());
        }
    }

    /**
     * Makes this repository the only apt source of a root (a {@link DebianRoot#dir()} or a running
     * {@link SystemdMachine#root()}): copies it to {@value #MOUNT_POINT}, lists it in
     * /etc/apt/sources.list.d/test.list as {@code deb [trusted=yes] file:/srv/test-apt ./}, and removes the
     * tree's Debian sources, which no test can reach, so that {@code apt-get update} works offline.
     */
    public void publishTo(Path root) throws IOException {
        Path target = root.resolve(MOUNT_POINT.substring(1));
        Command.run(TIMEOUT, "rm", "-rf", "--one-file-system", target.toString()).orThrow();
        Files.createDirectories(target);
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : files.filter(f -> f.getFileName().toString().matches(".*\\.deb|Packages")).toList()) {
                Files.copy(file, target.resolve(file.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        Path apt = root.resolve("etc/apt");
        Files.deleteIfExists(apt.resolve("sources.list"));
        try (Stream<Path> sources = Files.list(Files.createDirectories(apt.resolve("sources.list.d")))) {
            for (Path source : sources.toList()) {
                Files.delete(source);
            }
        }
        Files.writeString(apt.resolve("sources.list.d/test.list"), "deb [trusted=yes] file:" + MOUNT_POINT + " ./\n");
    }
}

package dev.driftless.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftless.testing.AptRepo.Deb;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Debian fixtures without booting: a root of a test's own, and apt installing from a local repository. */
class DebianRootTest {

    @TempDir
    Path temp;

    @Test
    void aptInstallsEitherVersionFromTheLocalRepositoryWithoutAMirror() throws Exception {
        AptRepo repo = AptRepo.create(temp.resolve("repo"))
                .add(Deb.of("demo-lib", "1.0").file("/usr/share/demo-lib/version", "1.0\n"))
                .add(Deb.of("demo-app", "1.0").script("/usr/bin/demo-app", "#!/bin/sh\necho demo 1.0\n"))
                .add(Deb.of("demo-app", "1.1").depends("demo-lib (>= 1.0)")
                        .script("/usr/bin/demo-app", "#!/bin/sh\necho demo 1.1\n"));
        try (DebianRoot root = DebianRoot.create()) {
            repo.publishTo(root.dir());

            root.chroot("apt-get", "update").orThrow();
            root.chroot("apt-get", "install", "-y", "demo-app").orThrow();
            assertThat(root.chroot("dpkg-query", "-W", "demo-app", "demo-lib").orThrow().output())
                    .isEqualTo("demo-app\t1.1\ndemo-lib\t1.0\n");
            assertThat(root.chroot("demo-app").orThrow().output()).isEqualTo("demo 1.1\n");

            root.chroot("apt-get", "install", "-y", "--allow-downgrades", "demo-app=1.0").orThrow();
            assertThat(root.chroot("dpkg-query", "-W", "demo-app").orThrow().output()).isEqualTo("demo-app\t1.0\n");
            assertThat(Files.readString(root.path("/usr/bin/demo-app"))).contains("demo 1.0");
        }
    }

    @Test
    void eachRootIsItsOwnAndGoneWhenClosed() throws Exception {
        Path first;
        try (DebianRoot one = DebianRoot.create(); DebianRoot other = DebianRoot.create()) {
            first = one.dir();
            Files.writeString(one.path("/etc/driftless-test"), "one\n");
            one.chroot("rm", "/usr/bin/apt-get").orThrow();

            assertThat(other.path("/etc/driftless-test")).doesNotExist();
            assertThat(other.path("/usr/bin/apt-get")).exists();
            assertThat(other.chroot("cat", "/etc/debian_version").orThrow().output()).startsWith("12.");
        }
        assertThat(first).doesNotExist();
        try (DebianRoot later = DebianRoot.create()) {
            assertThat(later.path("/usr/bin/apt-get")).exists(); // the cached tree was not touched
        }
    }
}

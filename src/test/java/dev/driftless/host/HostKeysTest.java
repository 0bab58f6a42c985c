package dev.driftless.host;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.sshd.client.config.hosts.KnownHostEntry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The lines --accept-new-host-keys adds to known_hosts, for hosts whose sessions are checked at the same time. */
class HostKeysTest {

    @TempDir
    Path tmp;

    private static String line(int host) {
        return "[127.0.0.1]:" + (20000 + host)
                + " ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEVaSrVMeci+ds++DP5bEIS8PxcearuCxPvfRjdj2Wxg";
    }

    @Test
    void linesRecordedAtOnceForManyHostsStayWholeEachOnItsOwnLine() throws Exception {
        Path knownHosts = Files.createFile(tmp.resolve("known_hosts"));
        int hosts = 64;
        ExecutorService pool = Executors.newFixedThreadPool(16);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<?>> done = new ArrayList<>();
        try {
            for (int i = 0; i < hosts; i++) {
                int host = i;
                done.add(pool.submit(() -> {
                    start.await();
                    HostKeys.appendLine(knownHosts, line(host));
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : done) {
                f.get(30, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }

        List<String> lines = Files.readAllLines(knownHosts);
        assertThat(lines).hasSize(hosts).doesNotHaveDuplicates().allMatch(l -> l.matches("\\[127\\.0\\.0\\.1]:2\\d{4} ssh-ed25519 \\S+"));
        assertThat(KnownHostEntry.readKnownHostEntries(knownHosts)).hasSize(hosts);
    }

    @Test
    void aLineGoesOnALineOfItsOwnAfterALastLineWithoutALineFeed() throws Exception {
        Path knownHosts = Files.writeString(tmp.resolve("known_hosts"), line(1));

        HostKeys.appendLine(knownHosts, line(2));

        assertThat(Files.readAllLines(knownHosts)).containsExactly(line(1), line(2));
    }

    @Test
    void aMissingFileIsCreatedWithTheLine() throws Exception {
        Path knownHosts = tmp.resolve("known_hosts");

        HostKeys.appendLine(knownHosts, line(1));

        assertThat(knownHosts).hasContent(line(1) + "\n");
    }
}

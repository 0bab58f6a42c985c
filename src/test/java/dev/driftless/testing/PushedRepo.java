package dev.driftless.testing;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A bare repository served over git:// by a real {@code git daemon}, and a clone of it that the real {@code git}
 * commits in and pushes from, force-pushes included: what a team (or an attacker) does to the repository an agent
 * follows.
 */
public final class PushedRepo implements AutoCloseable {

    private static final Duration GIT = Duration.ofSeconds(60);

    private final Path work;
    private final GitDaemon daemon;

    private PushedRepo(Path work, GitDaemon daemon) {
        this.work = work;
        this.daemon = daemon;
    }

    /** An empty repository {@code infra.git} under {@code dir/served}, and its clone at {@code dir/work}, branch main. */
    public static PushedRepo create(Path dir) throws IOException {
        Path served = Files.createDirectories(dir.resolve("served"));
        git(served, "init", "-q", "--bare", "--initial-branch=main", "infra.git");
        Path work = dir.resolve("work");
        git(dir, "clone", "-q", served.resolve("infra.git").toString(), work.toString());
        return new PushedRepo(work, GitDaemon.serve(served));
    }

    /** The git:// URL the agent fetches. */
    public String url() {
        return daemon.url("infra.git");
    }

    public PushedRepo write(String path, String content) {
        try {
            Path file = work.resolve(path);
            Files.createDirectories(file.getParent());
            Files.writeString(file, content);
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Commits everything and pushes it to main; returns the commit's id. */
    public String commitAndPush(String message) {
        git(work, "add", "-A");
        git(work, "commit", "-q", "--allow-empty", "-m", message);
        git(work, "push", "-q", "origin", "main");
        return head();
    }

    /** The clone's working tree, where another tool (a signing git) may commit before {@link #push}. */
    public Path work() {
        return work;
    }

    /** Pushes main as the clone has it; returns the id of its newest commit. */
    public String push() {
        git(work, "push", "-q", "origin", "main");
        return head();
    }

    /** Moves main back to {@code commit}, here and on the server: {@code git push --force}. */
    public void forcePush(String commit) {
        git(work, "reset", "-q", "--hard", commit);
        git(work, "push", "-q", "--force", "origin", "main");
    }

    /**
     * Rewrites the newest commit with another message ({@code git commit --amend}) and force-pushes it: the same
     * files, a new commit that does not descend from the one it replaces. Returns its id.
     */
    public String amendAndForcePush(String message) {
        git(work, "commit", "-q", "--amend", "--allow-empty", "-m", message);
        git(work, "push", "-q", "--force", "origin", "main");
        return head();
    }

    /** Adds {@code count} commits to main at once (each changes the file {@code counter}) and pushes them. */
    public String commitManyAndPush(int count) {
        StringBuilder stream = new StringBuilder();
        String parent = head();
        for (int i = 1; i <= count; i++) {
            String content = "commit " + i + "\n";
            stream.append("commit refs/heads/main\ncommitter Test <test@example.org> ").append(1_700_000_000L + i)
                    .append(" +0000\ndata 10\nmany ").append(String.format("%04d", i % 10000)).append('\n');
            if (i == 1) {
                stream.append("from ").append(parent).append('\n');
            }
            stream.append("M 644 inline counter\ndata ").append(content.length()).append('\n').append(content)
                    .append('\n');
        }
        try {
            Process importer = new ProcessBuilder("git", "fast-import", "--quiet").directory(work.toFile())
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            try (OutputStream in = importer.getOutputStream()) {
                in.write(stream.toString().getBytes(StandardCharsets.UTF_8));
            }
            if (importer.waitFor() != 0) {
                throw new IllegalStateException("git fast-import failed");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        git(work, "reset", "-q", "--hard", "main");
        git(work, "push", "-q", "origin", "main");
        return head();
    }

    /** The id of main in the clone. */
    public String head() {
        return git(work, "rev-parse", "HEAD").strip();
    }

    private static String git(Path dir, String... args) {
        List<String> command = new ArrayList<>(List.of("git", "-C", dir.toString(), "-c", "user.name=Test", "-c",
                "user.email=test@example.org", "-c", "commit.gpgsign=false", "-c", "init.defaultBranch=main"));
        command.addAll(List.of(args));
        Command.Result result = Command.run(GIT, command).orThrow();
        return result.output();
    }

    @Override
    public void close() {
        daemon.close();
    }
}

package dev.driftless.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.driftless.model.DesiredRepository;
import dev.driftless.model.Problem;
import dev.driftless.model.ValidationException;
import dev.driftless.render.Renderer;
import dev.driftless.source.RepoSource;
import dev.driftless.source.RepoSource.ReadFrom;
import dev.driftless.source.RepoTree;
import dev.driftless.testing.TestRepo;
import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Runs every repository of src/test/resources/invalid/ through load and render, as {@code driftless
 * validate} does, and checks that the user is told what is wrong and where.
 *
 * <p>A case is a folder holding a small repository plus {@code expected.txt}: blocks separated by a
 * blank line, one block per problem the user must see; every line of a block is a fragment that one
 * problem's text (file:line: key: message) contains. Lines starting with '#' are comments. An optional
 * {@code links.txt} lists symbolic links to commit, one {@code path -> target} a line.
 */
class InvalidRepositoryTest {

    private static final String EXPECTED = "expected.txt";
    private static final String LINKS = "links.txt";

    @TempDir
    Path temp;

    static Stream<String> cases() throws IOException {
        try (Stream<Path> dirs = Files.list(corpus())) {
            return dirs.filter(Files::isDirectory).map(d -> d.getFileName().toString()).sorted().toList().stream();
        }
    }

    @Test
    void corpusCoversAtLeastTwentyFourCases() throws IOException {
        assertThat(cases().count()).isGreaterThanOrEqualTo(24);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void invalidRepositoryIsRejectedWithFileLineKeyAndReason(String name) throws IOException {
        Path caseDir = corpus().resolve(name);
        List<List<String>> expected = expectedProblems(caseDir.resolve(EXPECTED));
        assertThat(expected).as("%s/%s lists the problems the user must see", name, EXPECTED).isNotEmpty();

        Path repo = committedCopy(caseDir);

        assertThatThrownBy(() -> validate(repo))
                .as("case %s", name)
                .isInstanceOfSatisfying(ValidationException.class, e -> {
                    List<String> told = e.problems().stream().map(Problem::toString).toList();
                    for (List<String> fragments : expected) {
                        assertThat(told).as("case %s: a problem containing all of %s", name, fragments)
                                .anySatisfy(problem -> assertThat(problem).contains(fragments));
                    }
                    assertThat(told).as("case %s: one problem per mistake, no noise", name).hasSize(expected.size());
                });
    }

    /** What {@code driftless validate} does: open the commit, load, render for every host. */
    private static DesiredRepository validate(Path repo) {
        try (RepoSource.Checkout checkout = new RepoSource(repo.resolveSibling("cache"))
                .open(new RepoSource.Request(repo.toString(), Optional.empty(), Optional.empty(), ReadFrom.COMMIT))) {
            RepoTree tree = checkout.tree();
            DesiredRepository desired = new RepositoryLoader().load(tree);
            new Renderer(tree, new dev.driftless.secrets.Secrets(tree, new dev.driftless.secrets.AgeKeyring(java.util.Optional.empty(), java.util.Map.of()))).render(desired, desired.inventory().hosts().values(), service -> true);
            return desired;
        }
    }

    private Path committedCopy(Path caseDir) throws IOException {
        Path dir = temp.resolve("repo");
        try (TestRepo repo = TestRepo.init(dir); Stream<Path> files = Files.walk(caseDir)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                String relative = caseDir.relativize(file).toString().replace('\\', '/');
                if (!relative.equals(EXPECTED) && !relative.equals(LINKS)) {
                    repo.write(relative, Files.readAllBytes(file));
                }
            }
            Path links = caseDir.resolve(LINKS);
            if (Files.exists(links)) {
                for (String line : Files.readAllLines(links, StandardCharsets.UTF_8)) {
                    if (!line.isBlank()) {
                        String[] parts = line.split("->", 2);
                        repo.symlink(parts[0].strip(), parts[1].strip());
                    }
                }
            }
            repo.commit("case " + caseDir.getFileName());
        }
        return dir;
    }

    private static List<List<String>> expectedProblems(Path file) throws IOException {
        List<List<String>> blocks = new ArrayList<>();
        List<String> block = new ArrayList<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            if (line.isBlank()) {
                if (!block.isEmpty()) {
                    blocks.add(block);
                    block = new ArrayList<>();
                }
            } else if (!line.startsWith("#")) {
                block.add(line.strip());
            }
        }
        if (!block.isEmpty()) {
            blocks.add(block);
        }
        return blocks;
    }

    private static Path corpus() {
        URL corpus = Objects.requireNonNull(InvalidRepositoryTest.class.getResource("/invalid"),
                "src/test/resources/invalid is not on the test classpath");
        try {
            return Path.of(corpus.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}

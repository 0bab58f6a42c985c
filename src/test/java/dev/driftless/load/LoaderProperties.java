package dev.driftless.load;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftless.model.DesiredRepository;
import dev.driftless.model.Problem;
import dev.driftless.model.ValidationException;
import dev.driftless.render.Desired;
import dev.driftless.render.DesiredHost;
import dev.driftless.render.Renderer;
import dev.driftless.source.RepoSource;
import dev.driftless.source.RepoSource.ReadFrom;
import dev.driftless.source.RepoTree;
import dev.driftless.testing.TestRepo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterProperty;
import net.jqwik.api.lifecycle.BeforeProperty;
import net.jqwik.api.statistics.Statistics;

/**
 * Whatever a user commits, {@code driftless validate} either accepts it or explains what is wrong:
 * loading and rendering a random repository ends in a {@link DesiredRepository} or in a
 * {@link ValidationException} whose problems each name a file, never in any other exception.
 *
 * <p>Most tries read the files through {@link FileTree}, a {@link RepoTree} over a map: a fresh Git
 * commit costs 15 to 40 ms a try on a busy machine, ten times the rest of a try. That the map
 * stands in faithfully is itself a property: a sample of repositories is committed with Git, read
 * through {@link RepoSource} as the command line does, and must give the very same outcome.
 */
class LoaderProperties {

    private Path dir;

    @Property(tries = 400)
    void randomRepositoryLoadsOrIsRejectedWithProblemsThatNameAFile(@ForAll("repositories") ManifestGrammar.Repository repository) {
        Outcome outcome = validate(new FileTree(repository, "0123abcd"));

        Statistics.label("outcome").collect(outcome.loaded() ? "loaded and rendered" : "rejected");
        Statistics.label("outcome").coverage(coverage -> {
            coverage.check("loaded and rendered").percentage(p -> p >= 15);
            coverage.check("rejected").percentage(p -> p >= 30);
        });
    }

    @Property(tries = 40)
    void committedRepositoryGivesTheSameOutcomeAsItsFiles(@ForAll("repositories") ManifestGrammar.Repository repository)
            throws IOException {
        Path repo = dir.resolve("repo");
        String commit;
        try (TestRepo git = TestRepo.init(repo)) {
            repository.files().forEach(git::write);
            repository.links().forEach(git::symlink);
            commit = git.commit("random repository");
        }
        try (RepoSource.Checkout checkout = new RepoSource(dir.resolve("cache")).open(
                new RepoSource.Request(repo.toString(), Optional.empty(), Optional.empty(), ReadFrom.COMMIT))) {
            assertThat(validate(checkout.tree())).isEqualTo(validate(new FileTree(repository, commit)));
        } finally {
            deleteRecursively(repo);
        }
    }

    @Provide
    Arbitrary<ManifestGrammar.Repository> repositories() {
        return ManifestGrammar.repositories();
    }

    @BeforeProperty
    void createFolder() throws IOException {
        dir = Files.createTempDirectory("driftless-property");
    }

    @AfterProperty
    void deleteFolder() throws IOException {
        deleteRecursively(dir);
    }

    /** How validation ended, as a user would compare it: what was rendered, or the problems. */
    private record Outcome(boolean loaded, List<String> lines) {
    }

    /**
     * What {@code driftless validate} does (load, then render for every host); fails the property on
     * anything but success or a well-formed {@link ValidationException}.
     */
    private static Outcome validate(RepoTree tree) {
        try {
            DesiredRepository desired = new RepositoryLoader().load(tree);
            assertThat(desired.revision()).isEqualTo(tree.revision());
            assertThat(desired.services()).as("every loaded service runs on some host").allSatisfy(service ->
                    assertThat(desired.inventory().hosts().values()).anySatisfy(host ->
                            assertThat(service.runsOn(host)).isTrue()));
            List<DesiredHost> hosts = new Renderer(tree, new dev.driftless.secrets.Secrets(tree, new dev.driftless.secrets.AgeKeyring(java.util.Optional.empty(), java.util.Map.of()))).render(desired, desired.inventory().hosts().values(), s -> true);
            return new Outcome(true, hosts.stream().flatMap(host -> host.resources().stream()
                    .map(resource -> host.host().name() + " " + describe(resource))).toList());
        } catch (ValidationException e) {
            assertThat(e.problems()).as("a rejected repository says why").isNotEmpty();
            for (Problem problem : e.problems()) {
                assertThat(problem.where().file()).as("problem %s names a file of the repository", problem)
                        .matches("driftless\\.yaml|services/.+");
                assertThat(problem.message()).as("problem %s says what is wrong", problem).isNotBlank();
            }
            return new Outcome(false, e.problems().stream().map(Problem::toString).toList());
        }
    }

    private static String describe(Desired resource) {
        if (resource instanceof Desired.File file) {
            return file.path() + " " + file.service() + " " + Arrays.hashCode(file.content());
        }
        return resource.toString();
    }

    private static void deleteRecursively(Path path) throws IOException {
        if (!Files.exists(path)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(path)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    /** A generated repository's files as a {@link RepoTree}, without Git. */
    private record FileTree(Map<String, byte[]> files, Map<String, String> links, String revision) implements RepoTree {

        FileTree(ManifestGrammar.Repository repository, String revision) {
            this(repository.files(), repository.links(), revision);
        }

        @Override
        public EntryType type(String path) {
            if (path.isEmpty()) {
                return EntryType.DIRECTORY;
            }
            if (files.containsKey(path)) {
                return EntryType.FILE;
            }
            if (links.containsKey(path)) {
                return EntryType.SYMLINK;
            }
            return paths().anyMatch(p -> p.startsWith(path + "/")) ? EntryType.DIRECTORY : EntryType.MISSING;
        }

        @Override
        public Optional<byte[]> read(String path) {
            return type(path) == EntryType.FILE ? Optional.of(files.get(path)) : Optional.empty();
        }

        @Override
        public List<String> list(String directory) {
            String prefix = directory.isEmpty() ? "" : directory + "/";
            return paths().filter(p -> p.startsWith(prefix))
                    .map(p -> p.substring(prefix.length()).split("/", 2)[0])
                    .collect(Collectors.toCollection(java.util.TreeSet::new)).stream().toList();
        }

        private Stream<String> paths() {
            return Stream.concat(files.keySet().stream(), links.keySet().stream());
        }
    }
}

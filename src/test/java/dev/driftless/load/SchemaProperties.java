package dev.driftless.load;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftless.model.ValidationException;
import dev.driftless.source.RepoSource;
import dev.driftless.source.RepoSource.ReadFrom;
import dev.driftless.testing.TestRepo;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterProperty;
import net.jqwik.api.lifecycle.BeforeProperty;
import net.jqwik.api.statistics.Statistics;
import org.eclipse.jgit.util.FileUtils;

/**
 * An editor never marks a file that validates: whatever random repository of {@link ManifestGrammar} the loader
 * accepts (block and flow styles, quoting, the keys users write), its driftless.yaml and every service.yaml are valid
 * for the schemas of {@code driftless schema}. The other way round is {@link SchemaAgreementTest}'s. The repositories
 * the loader accepts hold few odd scalars, so the YAML-typing leniencies of the schemas are held up by
 * SchemaAgreementTest's examples, not here.
 */
class SchemaProperties {

    private Path dir;
    private int tries;

    @Property(tries = 100)
    void whatTheLoaderAcceptsTheSchemaAccepts(@ForAll("repositories") ManifestGrammar.Repository repository)
            throws IOException {
        Path repo = dir.resolve("repo-" + tries++);
        try (TestRepo git = TestRepo.init(repo)) {
            repository.files().forEach(git::write);
            repository.links().forEach(git::symlink);
            git.commit("random repository");
        }
        boolean loaded;
        try (RepoSource.Checkout checkout = new RepoSource(dir.resolve("cache")).open(
                new RepoSource.Request(repo.toString(), Optional.empty(), Optional.empty(), ReadFrom.COMMIT))) {
            new RepositoryLoader().load(checkout.tree());
            loaded = true;
        } catch (ValidationException e) {
            loaded = false;
        } finally {
            FileUtils.delete(repo.toFile(), FileUtils.RECURSIVE);
        }
        Statistics.label("loader").collect(loaded ? "accepted" : "rejected");
        Statistics.label("loader").coverage(coverage -> coverage.check("accepted").percentage(p -> p >= 15));
        if (loaded) {
            repository.files().forEach((path, bytes) -> Schema.of(path)
                    .filter(schema -> path.equals(RepositoryLoader.INVENTORY_FILE) || path.matches("services/[^/]+/"
                            + RepositoryLoader.SERVICE_FILE))
                    .ifPresent(schema -> assertThat(SchemaAgreementTest.errors(schema, new String(bytes,
                            StandardCharsets.UTF_8))).as("%s of %s", path, repository).isEmpty()));
        }
    }

    @Provide
    Arbitrary<ManifestGrammar.Repository> repositories() {
        return ManifestGrammar.repositories();
    }

    @BeforeProperty
    void createFolder() throws IOException {
        dir = Files.createTempDirectory("driftless-schema-property");
    }

    @AfterProperty
    void deleteFolder() throws IOException {
        FileUtils.delete(dir.toFile(), FileUtils.RECURSIVE | FileUtils.SKIP_MISSING);
    }
}

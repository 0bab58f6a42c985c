package dev.driftless.render;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftless.testing.Cli;
import dev.driftless.testing.TestRepo;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Rendering a file for one host never changes what another host gets: templates read values, never change them. */
class HostIsolationTest {

    @TempDir
    Path tmp;

    Path root;
    TestRepo repo;

    @BeforeEach
    void setUp() {
        root = tmp.resolve("root");
        repo = AppRepo.with("app-1", "app-2").vars("ports: [3, 1, 2]").init(tmp.resolve("repo"));
    }

    private String renderedFor(String host) throws Exception {
        return Files.readString(root.resolve(host + "/etc/app/app.conf"));
    }

    private Cli.Result apply(String template) {
        repo.write("services/app/app.peb", template);
        repo.commit("a template");
        return Cli.on("apply", repo.dir(), root);
    }

    @Test
    void aListVariableReadsTheSameForEveryHostWhateverTheTemplateDoesWithIt() throws Exception {
        Cli.Result apply = apply("""
                {{ ports | reverse | join(',') }} {{ ports | sort | join(',') }} {{ ports | join(',') }}
                {{ ports.size }} {{ ports.isEmpty }} {% for p in ports %}{{ loop.index }}{% endfor %} {{ 'abc'.toUpperCase }}
                """);

        assertThat(apply.exitCode()).as(apply.toString()).isZero();
        assertThat(renderedFor("app-1")).isEqualTo("2,1,3 1,2,3 3,1,2\n3 false 012 ABC\n");
        assertThat(renderedFor("app-2")).isEqualTo("2,1,3 1,2,3 3,1,2\n3 false 012 ABC\n");
    }

    @Test
    void aCacheTagNeverCarriesOneHostsTextIntoAnothers() throws Exception {
        Cli.Result apply = apply("{% cache 'name' %}{{ host.name }}{% endcache %}\n");

        assertThat(apply.exitCode()).as(apply.toString()).isZero();
        assertThat(renderedFor("app-1")).isEqualTo("app-1\n");
        assertThat(renderedFor("app-2")).isEqualTo("app-2\n");
    }

    @Test
    void aTemplateCannotCallAMethodThatChangesAVariable() {
        Cli.Result apply = apply("{{ ports.clear }}{{ ports | length }}\n");

        assertThat(apply.exitCode()).as(apply.toString()).isEqualTo(1);
        assertThat(apply.err()).contains("services/app/app.peb:1: template: a template may not call clear(): it"
                + " reads values and never changes them");
        assertThat(root.resolve("app-1/etc/app/app.conf")).doesNotExist();
    }
}

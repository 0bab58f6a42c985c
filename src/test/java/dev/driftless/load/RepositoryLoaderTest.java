package dev.driftless.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.driftless.model.Address;
import dev.driftless.model.Content;
import dev.driftless.model.DesiredRepository;
import dev.driftless.model.DriftPolicy;
import dev.driftless.model.Problem;
import dev.driftless.model.Resource;
import dev.driftless.model.Service;
import dev.driftless.model.ValidationException;
import dev.driftless.render.Desired;
import dev.driftless.render.DesiredHost;
import dev.driftless.render.Renderer;
import dev.driftless.source.RepoSource;
import dev.driftless.source.RepoSource.ReadFrom;
import dev.driftless.testing.TestRepo;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Valid repositories: what the loader and the renderer make of them, as a user would check it. */
class RepositoryLoaderTest {

    private static final String INVENTORY = """
            hosts:
              web-1:
                address: local
                groups: [web, prod]
                vars: { server_name: www.example.org }
              db-1:
                address: ssh://deploy@db-1.internal:2222
                groups: [db, prod]
                identity: ~/.ssh/deploy_ed25519
                become: sudo
              lab-1:
                address: local
                groups: [web, db, lab]
                root: /srv/lab-1
                vars: { domain: lab.example.org }
            vars:
              domain: example.org
              server_name: default.example.org
            """;

    @TempDir
    Path temp;

    private TestRepo repo;

    @BeforeEach
    void createRepository() {
        repo = TestRepo.init(temp.resolve("repo")).write("driftless.yaml", INVENTORY);
    }

    @AfterEach
    void closeRepository() {
        repo.close();
    }

    @Test
    void validRepositoryLoadsHostsAndServicesAsWritten() {
        repo.write("services/nginx/service.yaml", """
                description: Public reverse proxy
                hosts: [web]
                drift: alert
                files:
                  - path: /etc/nginx/nginx.conf
                    source: nginx.conf
                    mode: "0644"
                    owner: root
                    onChange: [reload]
                  - path: /etc/nginx/conf.d/site.conf
                    template: site.conf.peb
                  - path: /etc/motd
                    content: "Managed by Driftless.\\n"
                  - path: /srv/www
                    type: directory
                    mode: "0755"
                  - path: /etc/nginx/sites-enabled/site
                    type: symlink
                    target: /etc/nginx/conf.d/site.conf
                handlers:
                  reload: nginx -s reload
                """)
                .write("services/nginx/nginx.conf", "events {}\n")
                .write("services/nginx/site.conf.peb", "server_name {{ server_name }};\n")
                .write("services/README.md", "Services of this repository.\n");
        String commit = repo.commit("nginx");

        DesiredRepository desired = load();

        assertThat(desired.revision()).isEqualTo(commit);
        assertThat(desired.inventory().hosts()).containsOnlyKeys("web-1", "db-1", "lab-1");
        assertThat(desired.inventory().hosts().get("db-1").address()).isEqualTo(new Address.Ssh("deploy", "db-1.internal", 2222));
        assertThat(desired.inventory().hosts().get("db-1").become()).contains("sudo");
        assertThat(desired.inventory().hosts().get("lab-1").root()).contains("/srv/lab-1");
        assertThat(desired.inventory().hosts().get("web-1").address()).isEqualTo(new Address.Local());

        Service nginx = desired.services().get(0);
        assertThat(nginx.name()).isEqualTo("nginx");
        assertThat(nginx.description()).isEqualTo("Public reverse proxy");
        assertThat(nginx.drift()).isEqualTo(DriftPolicy.ALERT);
        assertThat(nginx.handlers()).containsExactly(Map.entry("reload", "nginx -s reload"));
        assertThat(nginx.resources()).extracting(Resource::path).containsExactly("/etc/nginx/nginx.conf",
                "/etc/nginx/conf.d/site.conf", "/etc/motd", "/srv/www", "/etc/nginx/sites-enabled/site");

        Resource.File config = (Resource.File) nginx.resources().get(0);
        assertThat(config.content()).isEqualTo(new Content.Source("services/nginx/nginx.conf"));
        assertThat(config.ownership().mode()).contains(0644);
        assertThat(config.ownership().owner()).contains("root");
        assertThat(config.onChange()).containsExactly("reload");
        assertThat(config.where().toString()).isEqualTo("services/nginx/service.yaml:5: files[0]");
        assertThat(((Resource.File) nginx.resources().get(1)).content())
                .isEqualTo(new Content.Template("services/nginx/site.conf.peb"));
        assertThat(((Resource.File) nginx.resources().get(2)).content())
                .isEqualTo(new Content.Inline("Managed by Driftless.\n"));
        assertThat(((Resource.Directory) nginx.resources().get(3)).ownership().mode()).contains(0755);
        assertThat(((Resource.Symlink) nginx.resources().get(4)).target()).isEqualTo("/etc/nginx/conf.d/site.conf");
    }

    @Test
    void servicesComeAfterTheServicesTheyDependOn() {
        repo.write("services/app/service.yaml", "hosts: [web]\ndependsOn: [db, tls]\n")
                .write("services/db/service.yaml", "hosts: [db]\ndependsOn: [tls]\n")
                .write("services/tls/service.yaml", "hosts: [prod]\n")
                .write("services/motd/service.yaml", "hosts: [prod]\n");
        repo.commit("services");

        List<String> order = load().services().stream().map(Service::name).toList();

        assertThat(order).containsExactlyInAnyOrder("app", "db", "tls", "motd");
        assertThat(order.indexOf("tls")).isLessThan(order.indexOf("db"));
        assertThat(order.indexOf("db")).isLessThan(order.indexOf("app"));
    }

    @Test
    void templateSeesRepoVarsOverriddenByHostVarsAndTheHostItself() {
        repo.write("services/site/service.yaml", """
                hosts: [web-1, lab-1]
                files:
                  - path: /etc/site.conf
                    template: site.conf.peb
                """)
                .write("services/site/site.conf.peb", """
                        name={{ host.name }}
                        groups={% for g in host.groups %}{{ g }}{% if not loop.last %},{% endif %}{% endfor %}
                        server_name={{ server_name }}
                        domain={{ domain }}
                        """);
        repo.commit("site");

        Map<String, String> site = renderedFile("/etc/site.conf");

        assertThat(site.get("web-1")).isEqualTo("""
                name=web-1
                groups=web,prod
                server_name=www.example.org
                domain=example.org
                """);
        assertThat(site.get("lab-1")).isEqualTo("""
                name=lab-1
                groups=web,db,lab
                server_name=default.example.org
                domain=lab.example.org
                """);
    }

    @Test
    void hostsSelectsServicesByGroupOrByHostName() {
        repo.write("services/nginx/service.yaml", "hosts: [web]\n")
                .write("services/backup/service.yaml", "hosts: [db-1]\n")
                .write("services/motd/service.yaml", "hosts: [prod]\n");
        repo.commit("services");

        Map<String, List<String>> servicesByHost = render().stream()
                .collect(Collectors.toMap(h -> h.host().name(), DesiredHost::services));

        assertThat(servicesByHost.get("web-1")).containsExactlyInAnyOrder("nginx", "motd");
        assertThat(servicesByHost.get("db-1")).containsExactlyInAnyOrder("backup", "motd");
        assertThat(servicesByHost.get("lab-1")).containsExactly("nginx");
    }

    @Test
    void sourceFileIsCopiedByteForByte() {
        byte[] bytes = {0, 1, 2, (byte) 0xff, (byte) 0xfe, '{', '{', ' ', 'x', ' ', '}', '}', '\r', '\n'};
        repo.write("services/blob/service.yaml", "hosts: [db-1]\nfiles:\n  - path: /var/lib/blob\n    source: blob.bin\n")
                .write("services/blob/blob.bin", bytes);
        repo.commit("blob");

        Desired.File blob = (Desired.File) render().stream().filter(h -> h.host().name().equals("db-1"))
                .findFirst().orElseThrow().resources().get(0);

        assertThat(blob.content()).isEqualTo(bytes);
        assertThat(blob.service()).isEqualTo("blob");
    }

    @Test
    void twoServicesMayShareAPathWhenTheyNeverMeetOnAHost() {
        repo.write("services/web-motd/service.yaml", "hosts: [web-1]\nfiles:\n  - path: /etc/motd\n    content: web\n")
                .write("services/db-motd/service.yaml", "hosts: [db-1]\nfiles:\n  - path: /etc/motd\n    content: db\n");
        repo.commit("motd per host");

        assertThat(renderedFile("/etc/motd")).containsExactlyInAnyOrderEntriesOf(Map.of("web-1", "web", "db-1", "db"));
    }

    @Test
    void everyProblemOfTheRepositoryIsReportedAtOnce() {
        repo.write("services/a/service.yaml", "hosts: [web]\nfiles:\n  - path: etc/a\n    content: a\n")
                .write("services/b/service.yaml", "hosts: [web]\ndrift: sometimes\n");
        repo.commit("two mistakes");

        assertThatThrownBy(this::load).isInstanceOfSatisfying(ValidationException.class, e -> {
            assertThat(e.problems()).extracting(Problem::toString).satisfiesExactlyInAnyOrder(
                    a -> assertThat(a).startsWith("services/a/service.yaml:3: files[0].path: 'etc/a'"),
                    b -> assertThat(b).startsWith("services/b/service.yaml:2: drift: must be 'heal' or 'alert'"));
            assertThat(e.getMessage()).contains("services/a/service.yaml:3", "services/b/service.yaml:2");
        });
    }

    @Test
    void uncommittedEditsAreNotRead() {
        repo.write("services/motd/service.yaml", "hosts: [prod]\nfiles:\n  - path: /etc/motd\n    content: hi\n");
        repo.commit("motd");
        repo.write("services/motd/service.yaml", "hosts: [prod\n");

        assertThat(load().services()).extracting(Service::name).containsExactly("motd");
    }

    private DesiredRepository load() {
        try (RepoSource.Checkout checkout = open()) {
            return new RepositoryLoader().load(checkout.tree());
        }
    }

    private List<DesiredHost> render() {
        try (RepoSource.Checkout checkout = open()) {
            DesiredRepository desired = new RepositoryLoader().load(checkout.tree());
            return new Renderer(checkout.tree(), new dev.driftless.secrets.Secrets(checkout.tree(), new dev.driftless.secrets.AgeKeyring(java.util.Optional.empty(), java.util.Map.of()))).render(desired, desired.inventory().hosts().values(), s -> true);
        }
    }

    /** Host name to the text of one rendered file, for the hosts that have it. */
    private Map<String, String> renderedFile(String path) {
        return render().stream()
                .flatMap(host -> host.resources().stream().filter(r -> r.path().equals(path))
                        .map(r -> Map.entry(host.host().name(), new String(((Desired.File) r).content(), StandardCharsets.UTF_8))))
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
    }

    private RepoSource.Checkout open() {
        return new RepoSource(temp.resolve("cache")).open(new RepoSource.Request(repo.dir().toString(),
                Optional.empty(), Optional.empty(), ReadFrom.COMMIT));
    }
}

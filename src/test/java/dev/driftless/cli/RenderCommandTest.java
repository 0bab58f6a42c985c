package dev.driftless.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftless.testing.Cli;
import dev.driftless.testing.TestRepo;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** driftless render: one file as one host gets it, found by its path on the host or its name in the repository. */
class RenderCommandTest {

    private static final String PASSWORD = "pa55-w0rd-render-test";

    @TempDir
    Path tmp;

    TestRepo repo;
    Path key;

    @BeforeEach
    void setUp() {
        key = tmp.resolve("keys.txt");
        Cli.Result keygen = Cli.run("secrets", "keygen", "-o", key.toString());
        assertThat(keygen.exitCode()).as(keygen.toString()).isZero();
        String recipient = keygen.err().lines().filter(l -> l.startsWith("Public key: ")).findFirst().orElseThrow()
                .substring("Public key: ".length());
        repo = TestRepo.init(tmp.resolve("repo"));
        repo.write("driftless.yaml", """
                hosts:
                  web-1:
                    address: local
                    groups: [web]
                    vars: { server_name: www.example.org }
                  web-2:
                    address: local
                    groups: [web]
                    vars: { server_name: two.example.org }
                  db-1:
                    address: local
                vars:
                  port: 8080
                """);
        repo.write("services/nginx/service.yaml", """
                hosts: [web]
                files:
                  - path: /etc/nginx/site.conf
                    template: site.conf.peb
                  - path: /etc/nginx/nginx.conf
                    source: nginx.conf
                  - path: /etc/motd
                    content: "Managed by Driftless.\\n"
                  - path: /srv/www
                    type: directory
                """);
        repo.write("services/nginx/site.conf.peb", "server_name {{ server_name }};\nlisten {{ port }};\n");
        repo.write("services/nginx/nginx.conf", "events {}\n");
        repo.write("services/db/service.yaml", """
                hosts: [db-1]
                files:
                  - path: /etc/db.conf
                    template: db.conf.peb
                """);
        repo.write("services/db/db.conf.peb", "user = app\npassword = {{ secret('password') }}\n");
        repo.write("services/db/secrets.sops.yaml", "password: " + PASSWORD + "\n");
        Cli.Result encrypt = Cli.run("secrets", "encrypt", "--in-place", "--age", recipient,
                repo.dir().resolve("services/db/secrets.sops.yaml").toString());
        assertThat(encrypt.exitCode()).as(encrypt.toString()).isZero();
        repo.commit("nginx and db");
    }

    private Cli.Result render(String... args) {
        String[] all = new String[args.length + 3];
        all[0] = "render";
        System.arraycopy(args, 0, all, 1, args.length);
        all[args.length + 1] = "--repo";
        all[args.length + 2] = repo.dir().toString();
        return Cli.run(all);
    }

    @Test
    void aTemplateIsRenderedWithTheChosenHostsVariables() {
        Cli.Result one = render("nginx", "site.conf.peb", "--host", "web-1");
        Cli.Result two = render("nginx", "/etc/nginx/site.conf", "--host", "web-2");

        assertThat(one.exitCode()).as(one.toString()).isZero();
        assertThat(one.out()).isEqualTo("server_name www.example.org;\nlisten 8080;\n");
        assertThat(two.out()).isEqualTo("server_name two.example.org;\nlisten 8080;\n");
    }

    @Test
    void aSourceAndContentWrittenInServiceYamlArePrintedAsTheHostGetsThem() {
        assertThat(render("nginx", "nginx.conf", "--host", "web-1").out()).isEqualTo("events {}\n");
        assertThat(render("nginx", "/etc/motd", "--host", "web-2").out()).isEqualTo("Managed by Driftless.\n");
    }

    @Test
    void theHostMayBeLeftOutOnlyWhenTheServiceGoesToOneHost() {
        Cli.Result several = render("nginx", "site.conf.peb");

        assertThat(several.exitCode()).isEqualTo(1);
        assertThat(several.err()).contains("service nginx goes to 2 hosts (web-1, web-2): choose one with --host");
        assertThat(several.out()).isEmpty();
        assertThat(render("nginx", "site.conf.peb", "--host", "db-1").err())
                .contains("service nginx does not go to host db-1 (services/nginx/service.yaml says hosts: [web])");
    }

    @Test
    void anUnknownFileIsNamedWithTheFilesTheServiceHas() {
        Cli.Result typo = render("nginx", "site.conf.pbe", "--host", "web-1");
        Cli.Result folder = render("nginx", "/srv/www", "--host", "web-1");

        assertThat(typo.exitCode()).isEqualTo(1);
        assertThat(typo.err()).contains("service nginx has no file site.conf.pbe (did you mean 'site.conf.peb'?",
                "/etc/nginx/site.conf, site.conf.peb, /etc/nginx/nginx.conf, nginx.conf, /etc/motd, /srv/www");
        assertThat(folder.err()).contains("/srv/www of service nginx is a directory, not a file");
        assertThat(render("nginks", "nginx.conf", "--host", "web-1").err()).contains("--service nginks: no such"
                + " service");
    }

    @Test
    void aFileWithSecretsIsPrintedWithItsSecretLinesMaskedUnlessAskedTo() {
        Cli.Result masked = render("db", "db.conf.peb", "--age-key", key.toString());
        Cli.Result shown = render("db", "db.conf.peb", "--age-key", key.toString(), "--show-secrets");

        assertThat(masked.exitCode()).as(masked.toString()).isZero();
        assertThat(masked.out()).isEqualTo("user = app\n" + dev.driftless.render.SecretLines.MASK + "\n");
        assertThat(masked.toString()).doesNotContain(PASSWORD);
        assertThat(shown.exitCode()).isZero();
        assertThat(shown.out()).isEqualTo("user = app\npassword = " + PASSWORD + "\n");
    }

    @Test
    void theWorkingTreeIsRenderedWhenAsked() {
        repo.write("services/nginx/nginx.conf", "events { worker_connections 64; }\n");

        assertThat(render("nginx", "nginx.conf", "--host", "web-1").out()).isEqualTo("events {}\n");
        assertThat(render("nginx", "nginx.conf", "--host", "web-1", "--worktree").out())
                .isEqualTo("events { worker_connections 64; }\n");
    }
}

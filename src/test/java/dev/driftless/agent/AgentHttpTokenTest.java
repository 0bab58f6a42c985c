package dev.driftless.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftless.source.RepoSource;
import dev.driftless.store.HistoryStore;
import dev.driftless.store.JdbcHistoryStore;
import dev.driftless.testing.TestRepo;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Base64;
import java.util.EnumSet;
import java.util.Optional;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jgit.http.server.GitServlet;
import org.eclipse.jgit.internal.storage.file.FileRepository;
import org.eclipse.jgit.lib.Repository;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The agent fetches over smart HTTP (JGit's Git server on Jetty) with an access token, and not without it. */
class AgentHttpTokenTest {

    private static final String TOKEN = "glpat-test-token-0123";

    @TempDir
    Path tmp;

    Server server;
    Repository served;
    String url;
    HistoryStore history;

    @BeforeEach
    void setUp() throws Exception {
        TestRepo repo = TestRepo.init(tmp.resolve("work"));
        repo.write("driftless.yaml", "hosts:\n  box:\n    address: local\n");
        repo.write("services/web/service.yaml", "hosts: [box]\nfiles:\n  - path: /etc/web.conf\n    content: \"over https\\n\"\n");
        repo.commit("first");
        served = new FileRepository(repo.dir().resolve(".git").toFile());
        GitServlet git = new GitServlet();
        git.setRepositoryResolver((request, name) -> {
            served.incrementOpen();
            return served;
        });
        ServletContextHandler context = new ServletContextHandler();
        context.addServlet(new ServletHolder(git), "/git/*");
        Filter tokenOnly = (request, response, chain) -> {
            String header = ((HttpServletRequest) request).getHeader("Authorization");
            String expected = "Basic " + Base64.getEncoder().encodeToString(("driftless:" + TOKEN)
                    .getBytes(StandardCharsets.UTF_8));
            if (!expected.equals(header)) {
                HttpServletResponse http = (HttpServletResponse) response;
                http.setHeader("WWW-Authenticate", "Basic realm=\"git\"");
                http.sendError(401);
                return;
            }
            chain.doFilter(request, response);
        };
        context.addFilter(new FilterHolder(tokenOnly), "/*", EnumSet.of(DispatcherType.REQUEST));
        server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        server.setHandler(context);
        server.start();
        url = "http://127.0.0.1:" + connector.getLocalPort() + "/git/repo.git";
        history = JdbcHistoryStore.open(JdbcHistoryStore.defaultUrl(tmp.resolve("state")), "test-agent");
    }

    @AfterEach
    void tearDown() throws Exception {
        history.close();
        server.stop();
        served.close();
    }

    private Agent agent(Optional<String> token) {
        AgentSettings settings = AgentFixture.settings(url, Optional.empty(), tmp, Optional.empty(),
                new RepoSource.GitAuth(token, Optional.empty(), Optional.empty()));
        return new Agent(settings, history, new AgentMetrics(), e -> { }, Clock.systemUTC());
    }

    @Test
    void theTokenOpensTheRepositoryAndIsNeverShown() {
        Agent agent = agent(Optional.of(TOKEN));
        agent.reconcileOnce("start");
        assertThat(agent.status().sourceError()).isEmpty();
        assertThat(tmp.resolve("root/etc/web.conf")).hasContent("over https");
    }

    @Test
    void withoutTheTokenTheSourceIsUnavailable() {
        Agent agent = agent(Optional.of("wrong-token"));
        agent.reconcileOnce("start");
        assertThat(agent.status().source()).isEqualTo("unavailable");
        assertThat(agent.status().sourceError()).get().asString().contains(url).doesNotContain("wrong-token");
        assertThat(tmp.resolve("root/etc/web.conf")).doesNotExist();
    }
}

package dev.driftless.cli;

import dev.driftless.bootstrap.Bootstrap;
import dev.driftless.bootstrap.BootstrapException;
import dev.driftless.bootstrap.Credentials;
import dev.driftless.bootstrap.RemoteBootstrap;
import dev.driftless.host.HostException;
import dev.driftless.model.Address;
import java.io.PrintWriter;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code driftless bootstrap}: makes a fresh machine an inventory host that its own agent keeps matching. */
@Command(name = "bootstrap", mixinStandardHelpOptions = true, sortOptions = false, usageHelpAutoWidth = true,
        description = {"Make this machine (or, with ssh://root@HOST, a machine that has only sshd) inventory host"
                + " --host of the repository, for good: install the credentials under /etc/driftless (root's alone,"
                + " 0600), write /etc/driftless/agent.yaml (the agent follows --repo as host NAME, applying here even"
                + " when the inventory reaches NAME over SSH), apply the repository to this machine as host NAME (the"
                + " whole repository validated first), and enable and start driftless-agent.service. Each step is"
                + " printed as it is done; bootstrapping again changes nothing, and says so.",
            "Credentials are read from files, or one of them from standard input (-); they never appear in an"
                + " output, a command line or a file others can read. Over SSH the package (--package) is copied and"
                + " installed first, unless that very package is installed already, and the credentials travel on the"
                + " remote command's standard input.",
            "Needs root and systemd, and (on the machine itself) driftless installed from its package. See"
                + " docs/bootstrap.md.",
            "Exit codes: 0 = done (or nothing to change), 1 = failed or refused."})
final class BootstrapCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", arity = "0..1", paramLabel = "ssh://root@HOST[:PORT]",
            description = "Bootstrap that machine over SSH instead of this one (with --package).")
    String target;

    @Option(names = {"-r", "--repo"}, required = true, paramLabel = "URL",
            description = "The repository the agent follows (https://, ssh://, git://, file://, or a path on the"
                    + " machine). No password in it: give --git-token-file.")
    String repo;

    @Option(names = "--host", required = true, paramLabel = "NAME",
            description = "The inventory host this machine is; its agent applies to it here (--as-host NAME).")
    String host;

    @Option(names = "--ref", paramLabel = "REF",
            description = "Branch or tag the agent follows. Default: the remote's default branch.")
    String ref;

    @Option(names = "--path", paramLabel = "DIR", description = "The folder inside the repository that holds"
            + " driftless.yaml.")
    String path;

    @Option(names = "--age-key", paramLabel = "FILE|-",
            description = "The age identity (AGE-SECRET-KEY-1...) that decrypts the repository's secrets; - reads it"
                    + " from standard input. Installed as /etc/driftless/age-key.txt.")
    String ageKey;

    @Option(names = "--git-token-file", paramLabel = "FILE|-",
            description = "An access token for an https:// repository. Installed as /etc/driftless/git-token.")
    String gitToken;

    @Option(names = "--git-identity", paramLabel = "FILE|-",
            description = "A deploy key for an ssh:// repository (with --git-known-hosts). Installed as"
                    + " /etc/driftless/deploy_key.")
    String gitIdentity;

    @Option(names = "--git-known-hosts", paramLabel = "FILE|-",
            description = "The Git server's host key line(s), as ssh-keyscan prints them. Installed as"
                    + " /etc/driftless/known_hosts.")
    String gitKnownHosts;

    @Option(names = "--listen", paramLabel = "HOST:PORT",
            description = "Where the agent's dashboard, API and /healthz listen (its --listen). Default: the"
                    + " agent's, 127.0.0.1:9090.")
    String listen;

    @Option(names = "--package", paramLabel = "FILE",
            description = "With ssh://: the package to install there, driftless_VERSION_amd64.deb or"
                    + " driftless-VERSION-linux-x64.tar.gz (scripts/package.sh builds both).")
    Path pkg;

    /** How a bootstrap over SSH hands the credentials to the remote one: a bundle on standard input. */
    @Option(names = "--credentials-from-stdin", hidden = true)
    boolean credentialsFromStdin;

    @Mixin
    SshOptions ssh;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try {
            Bootstrap.Request request = new Bootstrap.Request(repo, Optional.ofNullable(ref), Optional.ofNullable(path),
                    host, Optional.ofNullable(listen));
            return target != null ? overSsh(request, out) : here(request, out, err);
        } catch (IllegalArgumentException | BootstrapException | HostException e) {
            err.println("Error: " + e.getMessage());
            err.flush();
            return 1;
        }
    }

    private int overSsh(Bootstrap.Request request, PrintWriter out) {
        Address.Ssh address = address(target);
        if (pkg == null) {
            throw new IllegalArgumentException("bootstrap over SSH installs Driftless there first: give --package"
                    + " driftless_VERSION_amd64.deb (or the tarball) as scripts/package.sh builds it");
        }
        Credentials credentials = credentials();
        out.println("driftless bootstrap: " + address + " as host " + request.host() + " of " + request.repo());
        out.flush();
        int exit = new RemoteBootstrap(ssh.settings()).run(address, pkg, request, credentials, line -> {
            synchronized (out) {
                out.println(line);
                out.flush();
            }
        });
        return exit == 0 ? 0 : 1;
    }

    private int here(Bootstrap.Request request, PrintWriter out, PrintWriter err) {
        if (pkg != null) {
            throw new IllegalArgumentException("--package is for bootstrap over SSH (ssh://root@HOST); on this"
                    + " machine, install it first: apt-get install ./" + pkg.getFileName());
        }
        Bootstrap bootstrap = new Bootstrap();
        Optional<String> refusal = bootstrap.refusal();
        if (refusal.isPresent()) {
            throw new BootstrapException(refusal.get());
        }
        Credentials credentials = credentials();
        out.println("driftless bootstrap: this machine as host " + request.host() + " of " + request.repo()
                + request.ref().map(r -> " (" + r + ")").orElse(""));
        out.flush();
        Bootstrap.Outcome outcome = bootstrap.run(request, credentials, step -> {
            out.println(step.line());
            out.flush();
        }, new ApplyCommand.Progress(out, err,
                new dev.driftless.engine.PlanPrinter(dev.driftless.engine.PlanPrinter.Mode.APPLY), false));
        out.println(conclusion(outcome, request));
        out.flush();
        return outcome.succeeded() ? 0 : 1;
    }

    private static String conclusion(Bootstrap.Outcome outcome, Bootstrap.Request request) {
        if (!outcome.succeeded()) {
            return "Bootstrap incomplete: see what failed above. The agent runs and tries again at the next commit;"
                    + " bootstrap again once it is fixed.";
        }
        String at = outcome.commit().orElse("");
        if (outcome.changedNothing()) {
            return "Nothing changed: this machine already is host " + request.host() + " at " + at
                    + ", and its agent runs.";
        }
        return "Bootstrap complete: this machine is host " + request.host() + " at " + at + "; driftless-agent"
                + " keeps it so (journalctl -u driftless-agent).";
    }

    /** The credentials as the options name them, or as the bootstrap over SSH that runs this one sends them. */
    private Credentials credentials() {
        Map<Credentials.Kind, String> files = new EnumMap<>(Credentials.Kind.class);
        Optional.ofNullable(ageKey).ifPresent(f -> files.put(Credentials.Kind.AGE_KEY, f));
        Optional.ofNullable(gitToken).ifPresent(f -> files.put(Credentials.Kind.GIT_TOKEN, f));
        Optional.ofNullable(gitIdentity).ifPresent(f -> files.put(Credentials.Kind.GIT_IDENTITY, f));
        Optional.ofNullable(gitKnownHosts).ifPresent(f -> files.put(Credentials.Kind.GIT_KNOWN_HOSTS, f));
        if (credentialsFromStdin) {
            if (!files.isEmpty()) {
                throw new IllegalArgumentException("--credentials-from-stdin takes every credential from standard"
                        + " input: leave out " + files.keySet().iterator().next().option());
            }
            return Credentials.unbundle(System.in);
        }
        return Credentials.read(files, System.in);
    }

    /** ssh://[USER@]HOST[:PORT], as an inventory's address. */
    private static Address.Ssh address(String target) {
        try {
            URI uri = new URI(target);
            if ("ssh".equals(uri.getScheme()) && uri.getHost() != null && (uri.getPath() == null || uri.getPath().isEmpty())
                    && uri.getQuery() == null && (uri.getUserInfo() == null || !uri.getUserInfo().contains(":"))) {
                return new Address.Ssh(uri.getUserInfo() == null ? "" : uri.getUserInfo(), uri.getHost(),
                        Math.max(uri.getPort(), 0));
            }
        } catch (URISyntaxException e) {
            // said below
        }
        // not quoted back: it may hold a password
        throw new IllegalArgumentException("the machine to bootstrap over SSH is given as ssh://root@HOST[:PORT],"
                + " without a password (the key is --identity) or a path; leave it out to bootstrap this machine");
    }
}

package dev.driftless.cli;

import dev.driftless.web.ApiTokens;
import dev.driftless.web.Listeners;
import dev.driftless.web.TlsFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/** The agent's options for who may use its HTTP side and where: named API tokens, a hooks listener, TLS. */
final class ApiOptions {

    @CommandLine.Spec(CommandLine.Spec.Target.MIXEE)
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--tokens-file", paramLabel = "FILE",
            description = "Named API tokens, one a line: NAME ROLE TOKEN, ROLE one of read (/api/status,"
                    + " /api/history), control (also suspend and resume), metrics (/metrics only; with one set,"
                    + " /metrics needs a token). The file must not be readable by group or others (chmod 600)."
                    + " The --api-token-file token is also accepted, as a control token named 'default'.")
    Path tokensFile;

    @Option(names = "--hooks-listen", paramLabel = "HOST:PORT",
            description = "Serve the webhooks (/hooks/*) on this address only, and nothing else there, so that"
                    + " --listen can stay on 127.0.0.1. Default: webhooks on --listen.")
    String hooksListen;

    @Option(names = "--tls-cert", paramLabel = "FILE",
            description = "Serve HTTPS on --listen and --hooks-listen with this PEM certificate (chain);"
                    + " needs --tls-key.")
    Path tlsCert;

    @Option(names = "--tls-key", paramLabel = "FILE", description = "The PEM private key of --tls-cert (unencrypted).")
    Path tlsKey;

    /** Where to listen: the API on {@code listen}, webhooks there or on --hooks-listen, with TLS when asked. */
    Listeners listeners(String listen) {
        if ((tlsCert == null) != (tlsKey == null)) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--tls-cert and --tls-key go together: give both, or neither for plain HTTP");
        }
        return new Listeners(listen, Optional.ofNullable(hooksListen),
                tlsCert == null ? Optional.empty() : Optional.of(new TlsFiles(tlsCert, tlsKey)));
    }

    /** The tokens the API accepts: {@code apiToken} as 'default' (control), and those of --tokens-file. */
    ApiTokens tokens(String apiToken) throws IOException {
        ApiTokens tokens = ApiTokens.single(apiToken);
        if (tokensFile == null) {
            return tokens;
        }
        if (!Files.isRegularFile(tokensFile)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--tokens-file " + tokensFile
                    + " does not exist or is not a file");
        }
        try {
            return tokens.and(ApiTokens.read(tokensFile));
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--tokens-file " + e.getMessage());
        }
    }

    /** The files these options name, which no host of the repository may manage. */
    List<Path> files() {
        List<Path> files = new ArrayList<>();
        for (Path file : new Path[] {tokensFile, tlsCert, tlsKey}) {
            if (file != null) {
                files.add(file);
            }
        }
        return files;
    }
}

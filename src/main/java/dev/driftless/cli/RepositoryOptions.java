package dev.driftless.cli;

import dev.driftless.source.RepoSource;
import java.util.Optional;
import picocli.CommandLine.Option;

/** Which repository and revision a command reads. */
final class RepositoryOptions {

    @Option(names = {"-r", "--repo"}, paramLabel = "R", defaultValue = ".",
            description = "The repository: a local working tree (or a folder inside one: the nearest folder at or"
                    + " above it with a driftless.yaml, up to the top of the Git repository, is the Driftless root),"
                    + " a bare repository, or a URL (https://, ssh://, git://, file://) fetched into the cache (see"
                    + " --cache). Default: the current folder.")
    String repo;

    @Option(names = "--ref", paramLabel = "REF",
            description = "Branch, tag or commit id to read the desired state from, or a tag pattern (v*, release-*):"
                    + " the highest version among the tags it matches (tag mode). Default: HEAD (for a URL: the"
                    + " remote's default branch). Uncommitted files are never read.")
    String ref;

    @Option(names = "--path", paramLabel = "DIR",
            description = "A folder inside the repository that holds driftless.yaml (useful with URLs).")
    String path;

    @Option(names = "--cache", paramLabel = "DIR",
            description = "Where repositories given as URLs are kept between runs. Default: $XDG_CACHE_HOME/driftless/repos"
                    + " (~/.cache/driftless/repos); for the agent STATE_DIR/cache.")
    java.nio.file.Path cache;

    RepoSource source() {
        return new RepoSource(cache != null ? cache : RepoSource.defaultCache());
    }

    RepoSource.Request request(RepoSource.ReadFrom readFrom) {
        return new RepoSource.Request(repo, Optional.ofNullable(ref), Optional.ofNullable(path), readFrom);
    }
}

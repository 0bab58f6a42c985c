package dev.driftless.source;

import java.io.File;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.eclipse.jgit.api.FetchCommand;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.errors.RepositoryNotFoundException;
import org.eclipse.jgit.lib.ConfigConstants;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Ref;
import org.eclipse.jgit.lib.RefUpdate;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.lib.RepositoryCache;
import org.eclipse.jgit.lib.StoredConfig;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevObject;
import org.eclipse.jgit.revwalk.RevTag;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.eclipse.jgit.transport.RefSpec;
import org.eclipse.jgit.transport.TagOpt;
import org.eclipse.jgit.transport.URIish;
import org.eclipse.jgit.util.FS;

/**
 * Opens the repository a command names: a local working tree (or a folder inside one), a bare
 * repository, or a URL fetched with JGit into a cache. Desired state is read from a commit.
 */
public final class RepoSource {

    /** What the user asked for on the command line. */
    public record Request(String repo, Optional<String> ref, Optional<String> path, ReadFrom readFrom) {
    }

    /** Where files are read from: the commit, or (for reviewing an edit) the working tree. */
    public enum ReadFrom { COMMIT, WORKTREE }

    /**
     * How many commits before a new commit the agent's shallow cache is deepened to, at most, to find the commit it
     * applied last ({@link Checkout#ancestry}); beyond that the new commit is refused as one whose ancestry is unknown.
     */
    public static final int ANCESTRY_DEPTH = 1024;
    /** The depths the shallow cache is deepened to in turn while looking for an ancestor, the last {@link #ANCESTRY_DEPTH}. */
    private static final int[] DEEPEN_STEPS = {16, 128, ANCESTRY_DEPTH};

    private static final Pattern URL = Pattern.compile("^[a-zA-Z][a-zA-Z0-9+.-]*://.*|^[^/\\s]+@[^/\\s]+:.*");

    private final Path cacheDirectory;

    /**
     * How remote repositories are reached: an HTTPS token (sent as the password of HTTP basic auth, as
     * GitHub, GitLab, Gitea and Forgejo accept), and for ssh:// URLs a deploy key and the known_hosts file
     * its server's key must be in (an unknown or changed server key is refused).
     */
    public record GitAuth(Optional<String> token, Optional<Path> identity, Optional<Path> knownHosts) {
        public static GitAuth none() {
            return new GitAuth(Optional.empty(), Optional.empty(), Optional.empty());
        }

        @Override
        public String toString() {
            return "GitAuth[token=" + (token.isPresent() ? "***" : "none") + ", identity=" + identity + "]";
        }
    }

    private GitAuth auth = GitAuth.none();

    private boolean shallow;

    /** The same cache, reaching remotes with these credentials. */
    public RepoSource(Path cacheDirectory, GitAuth auth) {
        this(cacheDirectory);
        this.auth = auth;
    }

    /**
     * A cache that fetches only the newest commit of each branch (depth 1), for the agent, which follows a
     * branch and never needs history; commits fetched earlier stay, so the applied one can still be read.
     */
    public RepoSource(Path cacheDirectory, GitAuth auth, boolean shallow) {
        this(cacheDirectory, auth);
        this.shallow = shallow;
    }

    public RepoSource(Path cacheDirectory) {
        this.cacheDirectory = cacheDirectory;
    }

    /** The cache under $XDG_CACHE_HOME/driftless/repos (default ~/.cache/driftless/repos). */
    public static Path defaultCache() {
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("driftless").resolve("repos");
    }

    /** Opens the request; the caller closes the result when done reading. */
    public Checkout open(Request request) {
        if (URL.matcher(request.repo()).matches()) {
            if (request.readFrom() == ReadFrom.WORKTREE) {
                throw new SourceException("--worktree needs a local working tree, not a URL: " + request.repo());
            }
            return openRemote(request);
        }
        return openLocal(request);
    }

    private Checkout openLocal(Request request) {
        Path dir = Path.of(request.repo()).toAbsolutePath().normalize();
        if (!Files.isDirectory(dir)) {
            throw new SourceException("no such folder: " + dir);
        }
        Repository repository;
        try {
            repository = new FileRepositoryBuilder().setMustExist(true).findGitDir(dir.toFile()).build();
        } catch (RepositoryNotFoundException | IllegalArgumentException e) {
            throw new SourceException(dir + " is not a Git repository (nor inside one): run 'git init' and commit"
                    + " your files (Driftless reads the desired state from a commit)");
        } catch (IOException e) {
            throw new SourceException("cannot open the Git repository at " + dir + ": " + e.getMessage(), e);
        }
        if (repository.getDirectory() == null) {
            repository.close();
            throw new SourceException(dir + " is not a Git repository (nor inside one)");
        }
        String prefix = "";
        if (!repository.isBare()) {
            Path workTree = repository.getWorkTree().toPath().toAbsolutePath().normalize();
            prefix = workTree.relativize(dir).toString().replace(File.separatorChar, '/');
        }
        String named = join(prefix, request.path().orElse(""));
        try {
            Resolved resolved = resolve(repository, request.ref(), dir.toString());
            RevCommit commit = resolved.commit();
            // a folder given by --path is taken as it is; the folder one runs in may be any below driftless.yaml
            String fullPrefix = repository.isBare() || request.path().isPresent() ? named
                    : DriftlessFolder.nearest(repository, commit, named, request.readFrom());
            RepoTree tree;
            if (request.readFrom() == ReadFrom.WORKTREE) {
                if (request.ref().isPresent()) {
                    throw new SourceException("--worktree reads the files of the working tree; it cannot be"
                            + " combined with --ref");
                }
                if (repository.isBare()) {
                    throw new SourceException("--worktree needs a working tree; " + dir + " is a bare repository");
                }
                Path root = repository.getWorkTree().toPath().resolve(fullPrefix);
                tree = new WorktreeTree(root, commit.getName());
            } else {
                tree = new CommitTree(repository, commit, fullPrefix);
            }
            Checkout checkout = new Checkout(repository, tree, dir.toString(), fullPrefix);
            checkout.tag = resolved.tag();
            return checkout;
        } catch (IOException e) {
            repository.close();
            throw new SourceException("cannot read the repository at " + dir + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            repository.close();
            throw e;
        }
    }

    /** Whether the request names a remote repository (a URL) that is fetched into the cache. */
    public static boolean isRemote(String repo) {
        return URL.matcher(repo).matches();
    }

    /**
     * Makes sure the ref (the repository's HEAD when empty) can be read, or fails with a SourceException that
     * says why. A URL is fetched into the cache, only what the ref needs; a local repository is read in
     * place, so it is checked instead: that the folder exists, is a Git repository and has the ref (the agent
     * then reports a missing one as an unavailable source, not as a commit that failed).
     */
    public void fetch(String repo, Optional<String> ref) {
        if (!isRemote(repo)) {
            openLocal(new Request(repo, ref, Optional.empty(), ReadFrom.COMMIT)).close();
            return;
        }
        Path cache = cacheOf(repo);
        try {
            Files.createDirectories(cacheDirectory);
            try (FileChannel lockChannel = FileChannel.open(cacheDirectory.resolve(cache.getFileName() + ".lock"),
                    StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                 FileLock ignored = lockChannel.lock()) {
                fetch(repo, ref.filter(r -> !r.equals(Constants.HEAD)), cache);
            }
        } catch (IOException e) {
            throw new SourceException("cannot use the cache for " + repo + " at " + cache + ": " + e.getMessage(), e);
        }
    }

    /**
     * Fetches the whole history of the cache's branches when the cache is shallow (the agent fetches each commit
     * with depth 1), so that an older commit it never fetched, or lost, can be read: a rollback's.
     */
    private void deepen(String url, Path cache) {
        deepen(url, cache, repository -> List.of(new RefSpec("+refs/heads/*:refs/heads/*")),
                fetch -> fetch.setUnshallow(true));
    }

    /**
     * Fetches the history of the refs the cache holds down to {@code depth} commits, when the cache is shallow: one
     * step of looking for an ancestor ({@link Checkout#ancestry}).
     */
    private void deepen(String url, Path cache, int depth) {
        deepen(url, cache, repository -> {
            List<RefSpec> specs = new java.util.ArrayList<>();
            for (Ref ref : repository.getRefDatabase().getRefsByPrefix(Constants.R_REFS)) {
                specs.add(new RefSpec("+" + ref.getName() + ":" + ref.getName()));
            }
            return specs;
        }, fetch -> fetch.setDepth(depth));
    }

    /** A shallow cache's refs (those {@code specs} names) fetched again, {@code how} deep; nothing when it is complete. */
    private void deepen(String url, Path cache, RefSpecs specs, java.util.function.Consumer<FetchCommand> how) {
        try (FileChannel lockChannel = FileChannel.open(cacheDirectory.resolve(cache.getFileName() + ".lock"),
                StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             FileLock ignored = lockChannel.lock();
             Repository repository = new FileRepositoryBuilder().setGitDir(cache.toFile()).setMustExist(true).build()) {
            if (repository.getObjectDatabase().getShallowCommits().isEmpty()) {
                return; // nothing more to fetch: the commit is not in the repository's history at all
            }
            FetchCommand fetch = authenticated(Git.wrap(repository).fetch()).setRemote(url)
                    .setRefSpecs(specs.of(repository)).setTagOpt(TagOpt.NO_TAGS);
            how.accept(fetch);
            fetch.call();
        } catch (IOException | GitAPIException | org.eclipse.jgit.api.errors.JGitInternalException e) {
            throw new SourceException("cannot fetch the history of " + url + ": " + rootMessage(e), e);
        }
    }

    /** The refspecs a deepening fetch asks for, read from the cache. */
    private interface RefSpecs {
        List<RefSpec> of(Repository repository) throws IOException;
    }

    private Path cacheOf(String url) {
        return cacheDirectory.resolve(sha256(url).substring(0, 24) + ".git");
    }

    /**
     * Opens what the cache already holds, without fetching (a local repository is read as usual): the
     * agent keeps working from its last fetch while the Git server is down.
     */
    public Checkout openFetched(Request request) {
        if (!isRemote(request.repo())) {
            return openLocal(request);
        }
        Path cache = cacheOf(request.repo());
        if (!Files.exists(cache.resolve("HEAD"))) {
            throw new SourceException(request.repo() + " has not been fetched yet");
        }
        return openCache(request, request.repo(), cache);
    }

    private Checkout openRemote(Request request) {
        fetch(request.repo(), request.ref());
        return openCache(request, request.repo(), cacheOf(request.repo()));
    }

    private Checkout openCache(Request request, String url, Path cache) {
        try {
            Repository repository = new FileRepositoryBuilder().setGitDir(cache.toFile()).setMustExist(true).build();
            try {
                Resolved resolved = resolve(repository, request.ref(), url);
                Checkout checkout = new Checkout(repository, new CommitTree(repository, resolved.commit(),
                        request.path().orElse("")), url, request.path().orElse(""));
                checkout.tag = resolved.tag();
                checkout.deepen = () -> deepen(url, cache);
                checkout.deepenTo = depth -> deepen(url, cache, depth);
                return checkout;
            } catch (RuntimeException e) {
                repository.close();
                throw e;
            }
        } catch (IOException e) {
            throw new SourceException("cannot use the cache for " + url + " at " + cache + ": " + e.getMessage(), e);
        }
    }

    private <C extends org.eclipse.jgit.api.TransportCommand<C, ?>> C authenticated(C command) {
        auth.token().ifPresent(token -> command.setCredentialsProvider(
                new org.eclipse.jgit.transport.UsernamePasswordCredentialsProvider("driftless", token)));
        if (auth.identity().isPresent() || auth.knownHosts().isPresent()) {
            org.eclipse.jgit.transport.sshd.SshdSessionFactory factory = sshFactory();
            command.setTransportConfigCallback(transport -> {
                if (transport instanceof org.eclipse.jgit.transport.SshTransport ssh) {
                    ssh.setSshSessionFactory(factory);
                }
            });
        }
        return command;
    }

    private org.eclipse.jgit.transport.sshd.SshdSessionFactory sshFactory;

    /** One factory for every fetch: it owns an SSH client, which the agent must not create once a minute. */
    private synchronized org.eclipse.jgit.transport.sshd.SshdSessionFactory sshFactory() {
        if (sshFactory == null) {
            java.io.File home = new java.io.File(System.getProperty("user.home"));
            org.eclipse.jgit.transport.sshd.SshdSessionFactoryBuilder builder =
                    new org.eclipse.jgit.transport.sshd.SshdSessionFactoryBuilder()
                            .setHomeDirectory(home).setSshDirectory(new java.io.File(home, ".ssh"));
            auth.identity().ifPresent(key -> builder.setDefaultIdentities(dir -> List.of(key)));
            auth.knownHosts().ifPresent(file -> builder.setDefaultKnownHostsFiles(dir -> List.of(file)));
            sshFactory = builder.build(null);
        }
        return sshFactory;
    }

    /**
     * Fetches what the ref needs into the cache: asks the remote for its refs first, fetches nothing when the
     * cache has their commits already (a quiet agent costs one round trip), else only the branch or tag the
     * ref names (the branch HEAD names without a ref), or every branch and tag for a commit id it lacks.
     */
    private void fetch(String url, Optional<String> ref, Path cache) throws IOException {
        boolean fresh = !Files.exists(cache.resolve("HEAD"));
        // a new cache is filled beside its final place and renamed once complete, so a crash leaves no half
        Path target = fresh ? cache.resolveSibling(cache.getFileName() + ".partial") : cache;
        try {
            if (fresh) {
                deleteRecursively(target);
                Git.init().setBare(true).setGitDir(target.toFile()).setDirectory(target.toFile()).call().close();
            }
            try (Repository repository = new FileRepositoryBuilder().setGitDir(target.toFile()).setMustExist(true)
                    .build()) {
                turnOffAutoGc(repository);
                if (ref.isEmpty() || !hasCommit(repository, ref.get())) {
                    Map<String, Ref> advertised = authenticated(Git.lsRemoteRepository()).setRemote(url).callAsMap();
                    Optional<TagPattern> pattern = ref.flatMap(TagPattern::of);
                    Wanted wanted = pattern.isPresent() ? Wanted.tag(pattern.get(), url, advertised)
                            : ref.isPresent() ? Wanted.ref(ref.get(), advertised) : Wanted.head(url, advertised);
                    if (!wanted.presentIn(repository)) {
                        FetchCommand fetch = authenticated(Git.wrap(repository).fetch());
                        if (shallow) {
                            fetch.setDepth(1);
                        }
                        fetch.setRemote(url).setRefSpecs(wanted.specs()).setTagOpt(TagOpt.NO_TAGS)
                                .setRemoveDeletedRefs(true).call();
                    }
                    if (wanted.head().isPresent()) {
                        linkHead(repository, wanted.head().get());
                    }
                    if (pattern.isPresent()) {
                        pruneTags(repository, pattern.get(), advertised);
                    }
                }
                // the ref must be readable now: one that is not is the source's fault, not a commit's
                resolve(repository, ref, url);
            }
            if (fresh) {
                Files.move(target, cache);
            }
        } catch (GitAPIException | org.eclipse.jgit.api.errors.JGitInternalException e) {
            throw new SourceException("cannot fetch " + url + ": " + rootMessage(e), e);
        }
    }

    /** What one fetch brings: these refspecs, the tips the cache has when it is up to date, the branch HEAD names. */
    private record Wanted(List<RefSpec> specs, Map<String, ObjectId> tips, Optional<String> head) {

        /** Every branch and tag: for a commit id, which any of them may contain. */
        static Wanted everything() {
            return new Wanted(List.of(new RefSpec("+refs/heads/*:refs/heads/*"), new RefSpec("+refs/tags/*:refs/tags/*")),
                    Map.of(), Optional.empty());
        }

        static Wanted one(String name, ObjectId tip, Optional<String> head) {
            return new Wanted(List.of(new RefSpec("+" + name + ":" + name)), Map.of(name, tip), head);
        }

        /** The highest version among the remote's tags that match {@code pattern}; none is an error. */
        static Wanted tag(TagPattern pattern, String url, Map<String, Ref> advertised) {
            List<String> tags = advertised.keySet().stream().filter(n -> n.startsWith(Constants.R_TAGS)
                    && !n.endsWith("^{}")).map(n -> n.substring(Constants.R_TAGS.length())).toList();
            String highest = pattern.highest(tags).orElseThrow(() -> noTag(pattern, url, tags));
            return one(Constants.R_TAGS + highest, advertised.get(Constants.R_TAGS + highest).getObjectId(),
                    Optional.empty());
        }

        /** The tag or branch the ref names (in the order git resolves a name), else everything. */
        static Wanted ref(String ref, Map<String, Ref> advertised) {
            List<String> names = ref.startsWith(Constants.R_REFS) ? List.of(ref)
                    : List.of(Constants.R_TAGS + ref, Constants.R_HEADS + ref);
            for (String name : names) {
                Ref found = advertised.get(name);
                if (found != null && found.getObjectId() != null) {
                    return one(name, found.getObjectId(), Optional.empty());
                }
            }
            return everything();
        }

        /** The branch the remote's HEAD names; an unborn HEAD is an error naming the branches there are. */
        static Wanted head(String url, Map<String, Ref> advertised) {
            List<String> branches = advertised.keySet().stream().filter(n -> n.startsWith(Constants.R_HEADS)).sorted()
                    .toList();
            Ref head = advertised.get(Constants.HEAD);
            if (head == null || head.getObjectId() == null) {
                throw unbornHead(url, localHeadBranch(url), branches.stream().map(Repository::shortenRefName).toList());
            }
            String branch = head.isSymbolic() ? head.getTarget().getName()
                    // a server that does not say which branch HEAD is: the branch at the same commit
                    : branches.stream().filter(b -> head.getObjectId().equals(advertised.get(b).getObjectId()))
                            .findFirst().orElseThrow(() -> new SourceException(url + " does not say which branch its"
                                    + " HEAD is: give --ref (one of " + String.join(", ", branches) + ")"));
            return one(branch, head.getObjectId(), Optional.of(branch));
        }

        boolean presentIn(Repository repository) throws IOException {
            if (tips.isEmpty()) {
                return false;
            }
            for (Map.Entry<String, ObjectId> tip : tips.entrySet()) {
                Ref cached = repository.exactRef(tip.getKey());
                if (cached == null || !tip.getValue().equals(cached.getObjectId())) {
                    return false;
                }
            }
            return true;
        }
    }

    /**
     * Deletes the cache's tags that match {@code pattern} and the remote no longer has, so that a tag deleted there is
     * not chosen from the cache again (the next higher one the remote has is).
     */
    private static void pruneTags(Repository repository, TagPattern pattern, Map<String, Ref> advertised)
            throws IOException {
        for (Ref tag : repository.getRefDatabase().getRefsByPrefix(Constants.R_TAGS)) {
            if (pattern.matches(tag.getName().substring(Constants.R_TAGS.length()))
                    && !advertised.containsKey(tag.getName())) {
                RefUpdate delete = repository.updateRef(tag.getName());
                delete.setForceUpdate(true);
                RefUpdate.Result result = delete.delete();
                if (result != RefUpdate.Result.FORCED && result != RefUpdate.Result.NO_CHANGE) {
                    throw new IOException("cannot delete tag " + tag.getName() + ", which the remote no longer has: "
                            + result);
                }
            }
        }
    }

    /** No tag matches: the pattern, the repository and the tags it has, and what to do. */
    private static SourceException noTag(TagPattern pattern, String where, List<String> tags) {
        List<String> sorted = tags.stream().sorted(VersionOrder.RELEASES.reversed()).toList();
        String some = sorted.size() <= 10 ? String.join(", ", sorted)
                : String.join(", ", sorted.subList(0, 10)) + " and " + (sorted.size() - 10) + " more";
        return new SourceException("no tag matches --ref '" + pattern + "' in " + where
                + (tags.isEmpty() ? " (it has no tags)" : " (its tags: " + some + ")")
                + ": push a tag that matches it (git tag -s NAME; git push origin NAME), or give --ref another"
                + " pattern");
    }

    /** A full commit id the cache holds already: commits never change, so there is nothing to fetch. */
    private static boolean hasCommit(Repository repository, String ref) throws IOException {
        return ObjectId.isId(ref) && repository.getObjectDatabase().has(ObjectId.fromString(ref));
    }

    /** Points the cache's HEAD at the branch the remote's HEAD names, so that reading HEAD reads that. */
    private static void linkHead(Repository repository, String branch) throws IOException {
        if (branch.equals(repository.getFullBranch())) {
            return;
        }
        RefUpdate.Result result = repository.updateRef(Constants.HEAD).link(branch);
        if (result != RefUpdate.Result.NEW && result != RefUpdate.Result.FORCED && result != RefUpdate.Result.NO_CHANGE) {
            throw new IOException("cannot point HEAD at " + branch + ": " + result);
        }
    }

    /**
     * JGit collects garbage after a fetch on a thread of its own, which races the rename of a new cache
     * (and prints a stack trace); a cache is only ever fetched into, so it does without. Not detached either: a
     * detached collection takes its log's lock file before it finds there is nothing to do, and that races too.
     */
    private static void turnOffAutoGc(Repository repository) throws IOException {
        StoredConfig config = repository.getConfig();
        if (config.getInt(ConfigConstants.CONFIG_GC_SECTION, ConfigConstants.CONFIG_KEY_AUTO, -1) == 0
                && config.getInt(ConfigConstants.CONFIG_GC_SECTION, ConfigConstants.CONFIG_KEY_AUTOPACKLIMIT, -1) == 0
                && !config.getBoolean(ConfigConstants.CONFIG_GC_SECTION, ConfigConstants.CONFIG_KEY_AUTODETACH, true)) {
            return;
        }
        config.setInt(ConfigConstants.CONFIG_GC_SECTION, null, ConfigConstants.CONFIG_KEY_AUTO, 0);
        config.setInt(ConfigConstants.CONFIG_GC_SECTION, null, ConfigConstants.CONFIG_KEY_AUTOPACKLIMIT, 0);
        config.setBoolean(ConfigConstants.CONFIG_GC_SECTION, null, ConfigConstants.CONFIG_KEY_AUTODETACH, false);
        config.save();
    }

    /** For a file:// URL, the branch its HEAD names (git:// and the others do not tell when it is unborn). */
    private static Optional<String> localHeadBranch(String url) {
        if (!url.startsWith("file:")) {
            return Optional.empty();
        }
        try {
            File gitDir = RepositoryCache.FileKey.resolve(new File(new URIish(url).getPath()), FS.DETECTED);
            if (gitDir == null) {
                return Optional.empty();
            }
            try (Repository repository = new FileRepositoryBuilder().setGitDir(gitDir).setMustExist(true).build()) {
                return Optional.ofNullable(repository.getFullBranch()).filter(b -> b.startsWith(Constants.R_HEADS))
                        .map(Repository::shortenRefName);
            }
        } catch (IOException | java.net.URISyntaxException e) {
            return Optional.empty(); // the message then says only that HEAD names no branch there is
        }
    }

    /**
     * HEAD names a branch that does not exist: what {@code git init --bare} leaves when the team pushes only
     * another branch; or, with no branch at all, a repository nobody committed to.
     */
    private static SourceException unbornHead(String where, Optional<String> head, List<String> branches) {
        if (branches.isEmpty()) {
            return new SourceException(where + " has no commits yet: commit your files first"
                    + " (Driftless reads the desired state from a commit, never from uncommitted files)");
        }
        String pick = branches.contains("main") ? "main" : branches.contains("master") ? "master" : branches.get(0);
        return new SourceException(where + ": the repository's HEAD names "
                + head.map(b -> "branch '" + b + "', which does not exist").orElse("a branch that does not exist")
                + "; it has: " + String.join(", ", branches) + ". Give --ref " + pick
                + ", or set its HEAD with git symbolic-ref HEAD refs/heads/" + pick);
    }

    /** The commit HEAD names, or an error naming the branches there are when HEAD names none of them. */
    private static RevCommit resolveHead(Repository repository, String where) throws IOException {
        if (repository.resolve(Constants.HEAD) == null) {
            List<String> branches = repository.getRefDatabase().getRefsByPrefix(Constants.R_HEADS).stream()
                    .map(r -> Repository.shortenRefName(r.getName())).sorted().toList();
            Optional<String> head = Optional.ofNullable(repository.getFullBranch())
                    .filter(b -> b.startsWith(Constants.R_HEADS)).map(Repository::shortenRefName);
            throw unbornHead(where, head, branches);
        }
        return resolve(repository, Constants.HEAD, where);
    }

    /** The commit a request's ref names, and the tag it is read from in tag mode. */
    private record Resolved(RevCommit commit, Optional<TagInfo> tag) {
    }

    /** The commit {@code ref} names (HEAD's when empty); for a tag pattern, the commit of the highest matching tag. */
    private static Resolved resolve(Repository repository, Optional<String> ref, String where) throws IOException {
        if (ref.isEmpty()) {
            return new Resolved(resolveHead(repository, where), Optional.empty());
        }
        Optional<TagPattern> pattern = TagPattern.of(ref.get());
        if (pattern.isEmpty()) {
            return new Resolved(resolve(repository, ref.get(), where), Optional.empty());
        }
        List<String> tags = repository.getRefDatabase().getRefsByPrefix(Constants.R_TAGS).stream()
                .map(r -> r.getName().substring(Constants.R_TAGS.length())).toList();
        String name = pattern.get().highest(tags).orElseThrow(() -> noTag(pattern.get(), where, tags));
        try (RevWalk walk = new RevWalk(repository)) {
            RevObject tagged = walk.parseAny(repository.exactRef(Constants.R_TAGS + name).getObjectId());
            RevObject peeled = walk.peel(tagged);
            if (!(peeled instanceof RevCommit commit)) {
                throw new SourceException("tag " + name + " in " + where + " names a "
                        + Constants.typeString(peeled.getType()) + ", not a commit: tag a commit"
                        + " (git tag -s NAME COMMIT)");
            }
            return new Resolved(commit, Optional.of(new TagInfo(name, tagged.name(), tagged instanceof RevTag)));
        }
    }

    private static RevCommit resolve(Repository repository, String ref, String where) throws IOException {
        ObjectId id;
        try {
            id = repository.resolve(ref + "^{commit}");
        } catch (org.eclipse.jgit.errors.RevisionSyntaxException | org.eclipse.jgit.errors.AmbiguousObjectException e) {
            throw new SourceException("'" + ref + "' is not a valid ref in " + where + ": " + e.getMessage());
        }
        if (id == null) {
            if (Constants.HEAD.equals(ref)) {
                throw unbornHead(where, Optional.empty(), List.of());
            }
            throw new SourceException("ref '" + ref + "' not found in " + where
                    + " (give a branch, a tag or a commit id)");
        }
        try (RevWalk walk = new RevWalk(repository)) {
            return walk.parseCommit(id);
        }
    }

    private static String join(String a, String b) {
        String left = trimSlashes(a);
        String right = trimSlashes(b);
        if (left.isEmpty()) {
            return right;
        }
        return right.isEmpty() ? left : left + "/" + right;
    }

    private static String trimSlashes(String s) {
        String t = s.replace('\\', '/');
        while (t.startsWith("/")) {
            t = t.substring(1);
        }
        while (t.endsWith("/")) {
            t = t.substring(0, t.length() - 1);
        }
        return t.equals(".") ? "" : t;
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t == e ? String.valueOf(e.getMessage()) : e.getMessage() + " (" + t.getMessage() + ")";
    }

    private static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void deleteRecursively(Path path) throws IOException {
        if (!Files.exists(path)) {
            return;
        }
        try (var walk = Files.walk(path)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    /** Who made a commit and why. */
    public record CommitInfo(String id, String author, String message, java.time.Instant when) {
    }

    /** An opened repository at one commit; close it to release the Git repository. */
    public static final class Checkout implements AutoCloseable {
        private final Repository repository;
        private final RepoTree tree;
        private final String description;
        private final String prefix;
        /** Fetches more history into the repository, when it is a shallow cache; else nothing. */
        private Runnable deepen = () -> { };
        /** Fetches the history of a shallow cache's refs down to a depth; else nothing. */
        private java.util.function.IntConsumer deepenTo = depth -> { };
        /** In tag mode, the tag the commit was read from. */
        private Optional<TagInfo> tag = Optional.empty();

        Checkout(Repository repository, RepoTree tree, String description, String prefix) {
            this.repository = repository;
            this.tree = tree;
            this.description = description;
            this.prefix = prefix;
        }

        /**
         * The same repository at another commit (one applied before, for a rollback), opened anew so that each is
         * closed on its own. Fails with a SourceException when the commit is not in the repository (any more).
         */
        public Checkout at(String revision) {
            try {
                return read(revision);
            } catch (SourceException e) {
                deepen.run(); // a shallow cache may lack it: fetch the history, then try once more
                return read(revision);
            }
        }

        private Checkout read(String revision) {
            try {
                Repository again = new FileRepositoryBuilder().setGitDir(repository.getDirectory()).setMustExist(true)
                        .build();
                try (RevWalk walk = new RevWalk(again)) {
                    RevCommit commit = walk.parseCommit(ObjectId.fromString(revision));
                    Checkout checkout = new Checkout(again, new CommitTree(again, commit, prefix), description, prefix);
                    checkout.deepen = deepen;
                    checkout.deepenTo = deepenTo;
                    return checkout;
                } catch (IOException | RuntimeException e) {
                    again.close();
                    throw new SourceException("commit " + revision + " cannot be read from " + description + ": "
                            + e.getMessage(), e);
                }
            } catch (IOException e) {
                throw new SourceException("cannot open " + description + " again: " + e.getMessage(), e);
            }
        }

        /**
         * Whether this commit descends from {@code ancestor} (a full commit id). A shallow cache is deepened step by
         * step, to at most {@link #ANCESTRY_DEPTH} commits, until the ancestor is found or the whole history was read.
         *
         * @throws SourceException when the history cannot be fetched or read
         */
        public Ancestry ancestry(String ancestor) {
            ObjectId wanted = ObjectId.fromString(ancestor);
            Ancestry found = walkTo(wanted);
            for (int i = 0; found == Ancestry.OUT_OF_REACH && i < DEEPEN_STEPS.length; i++) {
                deepenTo.accept(DEEPEN_STEPS[i]);
                found = walkTo(wanted);
            }
            return found;
        }

        /** Walks the history the repository holds from this commit; out of reach when it ends at a shallow cut. */
        private Ancestry walkTo(ObjectId ancestor) {
            // opened anew: a deepening fetch changed the repository's shallow commits and packs
            try (Repository again = new FileRepositoryBuilder().setGitDir(repository.getDirectory()).setMustExist(true)
                    .build(); RevWalk walk = new RevWalk(again)) {
                java.util.Set<ObjectId> cut = again.getObjectDatabase().getShallowCommits();
                walk.markStart(walk.parseCommit(ObjectId.fromString(tree.revision())));
                boolean shallow = false;
                for (RevCommit commit : walk) {
                    if (commit.equals(ancestor)) {
                        return Ancestry.DESCENDS;
                    }
                    if (cut.contains(commit)) {
                        shallow = true;
                        // the walk ends here, but the commit's object names its parents: a commit pushed on top of
                        // the one applied (the common case) is told without fetching more history
                        if (namesParent(commit, ancestor)) {
                            return Ancestry.DESCENDS;
                        }
                    }
                }
                return shallow ? Ancestry.OUT_OF_REACH : Ancestry.DIVERGES;
            } catch (org.eclipse.jgit.errors.MissingObjectException e) {
                return Ancestry.OUT_OF_REACH; // a parent the cache lacks: a deeper fetch brings it
            } catch (IOException e) {
                throw new SourceException("cannot read the history of " + tree.revision() + " in " + description + ": "
                        + e.getMessage(), e);
            }
        }

        /** Whether the raw object of {@code commit} names {@code parent} among its parents. */
        private static boolean namesParent(RevCommit commit, ObjectId parent) {
            String wanted = "parent " + parent.name();
            for (String line : new String(commit.getRawBuffer(), java.nio.charset.StandardCharsets.UTF_8)
                    .split("\n")) {
                if (line.isEmpty()) {
                    return false; // the headers end; the message follows
                }
                if (line.equals(wanted)) {
                    return true;
                }
            }
            return false;
        }

        public RepoTree tree() {
            return tree;
        }

        /**
         * Whether this commit carries a good signature from a key {@code check} trusts (docs/signed-commits.md); in
         * tag mode, whether the tag it was read from does (the tag object is verified, not the commit). A lightweight
         * tag is a ref, not an object: it carries no signature.
         *
         * @throws SourceException when the commit or tag cannot be read
         */
        public dev.driftless.trust.Verdict verify(dev.driftless.trust.SignatureCheck check) {
            if (tag.isPresent() && !tag.get().annotated()) {
                return new dev.driftless.trust.Verdict.Untrusted(dev.driftless.trust.Verdict.Reason.UNSIGNED,
                        Optional.empty(), "tag " + tag.get().name() + " is a lightweight tag (git tag without -a or"
                        + " -s), which carries no signature: sign the release with git tag -s " + tag.get().name());
            }
            String what = tag.map(t -> "tag " + t.name()).orElse("commit " + tree.revision());
            try {
                return tag.isPresent() ? check.tag(repository, ObjectId.fromString(tag.get().objectId()))
                        : check.commit(repository, ObjectId.fromString(tree.revision()));
            } catch (IOException e) {
                throw new SourceException("cannot read the signature of " + what + " in " + description + ": "
                        + e.getMessage(), e);
            }
        }

        /** In tag mode ({@code --ref} a tag pattern), the tag chosen: the highest matching version. */
        public Optional<TagInfo> tag() {
            return tag;
        }

        /** Author and subject of the commit read, for history and notifications. */
        public CommitInfo commit() {
            try (RevWalk walk = new RevWalk(repository)) {
                RevCommit commit = walk.parseCommit(ObjectId.fromString(tree.revision()));
                return new CommitInfo(tree.revision(), commit.getAuthorIdent().getName(), commit.getShortMessage(),
                        commit.getAuthorIdent().getWhenAsInstant());
            } catch (IOException | IllegalArgumentException e) {
                return new CommitInfo(tree.revision(), "", "", null);
            }
        }

        /**
         * The files of the working tree under the Driftless repository's folder that differ from HEAD, which a
         * command reading a commit does not see; none for a bare repository or a fetched URL.
         */
        public UncommittedFiles uncommitted() {
            if (repository.isBare()) {
                return UncommittedFiles.none(repository.getDirectory().toPath());
            }
            return UncommittedFiles.of(repository, prefix);
        }

        /** The repository as the user named it, for messages. */
        public String description() {
            return description;
        }

        @Override
        public void close() {
            repository.close();
        }
    }
}

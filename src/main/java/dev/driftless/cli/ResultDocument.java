package dev.driftless.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.driftless.model.Problem;
import dev.driftless.trust.Verdict;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The JSON document of {@code validate --output json}, and the one every command prints on stdout when it fails
 * under {@code --output json}: whether it worked, why not, and the repository's problems with where they are.
 */
final class ResultDocument {

    static final int FORMAT_VERSION = 1;

    /** What kind of failure: a closed set, written in lower case with '-'. */
    enum Kind {
        /** The command line is wrong: an unknown option, a bad value. */
        USAGE("usage"),
        /** The repository does not validate (the problems say where). */
        INVALID_REPOSITORY("invalid-repository"),
        /** With --verify-signatures, the commit carries no good signature from a trusted key ({@code untrusted}). */
        UNTRUSTED_COMMIT("untrusted-commit"),
        /** Anything else: a repository or host that cannot be reached, a key that cannot be read, ... */
        ERROR("error");

        private final String word;

        Kind(String word) {
            this.word = word;
        }
    }

    private final Map<String, Object> fields = new LinkedHashMap<>();

    private ResultDocument(boolean ok) {
        fields.put("formatVersion", FORMAT_VERSION);
        fields.put("ok", ok);
    }

    /** A failure: {@code message} is the one line a user reads, {@code problems} each problem of the repository. */
    static ResultDocument failure(Kind kind, String message, List<Problem> problems) {
        ResultDocument document = new ResultDocument(false);
        document.fields.put("kind", kind.word);
        document.fields.put("error", message);
        document.fields.put("problems", problems.stream().map(ResultDocument::problem).toList());
        return document;
    }

    /** A commit refused by --verify-signatures: the failure, and the commit, reason, signer and detail. */
    static ResultDocument untrusted(String message, UntrustedCommit untrusted) {
        ResultDocument document = failure(Kind.UNTRUSTED_COMMIT, message, List.of());
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("commit", untrusted.revision());
        json.put("reason", untrusted.verdict().reason().word());
        json.put("signer", untrusted.verdict().signer().orElse(null));
        json.put("detail", untrusted.verdict().detail());
        document.fields.put("untrusted", json);
        return document;
    }

    /**
     * Who signed the commit a command read with --verify-signatures, as validate, plan, check and apply write it:
     * {@code commit}, {@code signer}, {@code fingerprint} and {@code kind} ({@code ssh} or {@code openpgp}).
     */
    static Map<String, Object> signature(String revision, Verdict.Trusted trusted) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("commit", revision);
        json.put("signer", trusted.signer());
        json.put("fingerprint", trusted.fingerprint());
        json.put("kind", trusted.kind().word());
        return json;
    }

    /**
     * A repository that validates, and what it holds; with {@code signature} (--verify-signatures) who signed it.
     */
    static ResultDocument valid(String revision, int hosts, int services, int resources, boolean secretsChecked,
            Optional<Verdict.Trusted> signature) {
        ResultDocument document = new ResultDocument(true);
        document.fields.put("kind", null);
        document.fields.put("error", null);
        document.fields.put("problems", List.of());
        document.fields.put("revision", revision);
        document.fields.put("hosts", hosts);
        document.fields.put("services", services);
        document.fields.put("resources", resources);
        document.fields.put("secretsChecked", secretsChecked);
        signature.ifPresent(trusted -> document.fields.put("signature", signature(revision, trusted)));
        return document;
    }

    private static Map<String, Object> problem(Problem problem) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("file", problem.where().file());
        json.put("line", problem.where().line() > 0 ? problem.where().line() : null);
        json.put("key", problem.where().key().isEmpty() ? null : problem.where().key());
        json.put("message", problem.message());
        return json;
    }

    /** The document, indented as the other documents of the command line are. */
    String text() {
        try {
            return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(fields);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}

package dev.driftless.plan;

/** Why a path needs a change. */
public enum Cause {
    /** The repository changed since the last apply (or the path was never applied). */
    PENDING("pending", "changed in Git since the last apply"),
    /** The host changed since the last apply. */
    DRIFT("drift", "changed on the host since the last apply");

    private final String word;
    private final String explanation;

    Cause(String word, String explanation) {
        this.word = word;
        this.explanation = explanation;
    }

    public String word() {
        return word;
    }

    public String explanation() {
        return explanation;
    }
}

package dev.driftless.plan;

/** What a change does to a path: the closed set a plan is made of. */
public enum Action {
    CREATE("+", "create"),
    UPDATE("~", "update"),
    DELETE("-", "delete"),
    /** No longer managed and left as it is on the host (a package that left the repository). */
    RELEASE("=", "release");

    private final String symbol;
    private final String word;

    Action(String symbol, String word) {
        this.symbol = symbol;
        this.word = word;
    }

    public String symbol() {
        return symbol;
    }

    public String word() {
        return word;
    }
}

package dev.driftless.model;

/** Where a value came from in the repository: a file, a 1-based line (0 when unknown) and a key path. */
public record Location(String file, int line, String key) {

    public static Location of(String file) {
        return new Location(file, 0, "");
    }

    public Location at(int newLine, String newKey) {
        return new Location(file, newLine, newKey);
    }

    @Override
    public String toString() {
        StringBuilder text = new StringBuilder(file);
        if (line > 0) {
            text.append(':').append(line);
        }
        if (!key.isEmpty()) {
            text.append(": ").append(key);
        }
        return text.toString();
    }
}

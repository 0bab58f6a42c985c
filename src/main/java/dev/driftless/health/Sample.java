package dev.driftless.health;

/** One try of a health check: whether it passed, and what it saw in one line. */
record Sample(boolean passed, String detail) {

    static Sample passed(String detail) {
        return new Sample(true, detail);
    }

    static Sample failed(String detail) {
        return new Sample(false, detail);
    }
}

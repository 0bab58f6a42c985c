package dev.driftless.health;

/**
 * One try of a health check: whether it passed, and what it saw in one line.
 *
 * @param run what passed, when passing again means more than passing ("" otherwise): a container check's
 *     containers and when each started, so that a container that restarted between two samples starts the count
 *     of passes in a row again
 */
record Sample(boolean passed, String detail, String run) {

    Sample(boolean passed, String detail) {
        this(passed, detail, "");
    }

    static Sample passed(String detail) {
        return new Sample(true, detail);
    }

    static Sample passed(String detail, String run) {
        return new Sample(true, detail, run);
    }

    static Sample failed(String detail) {
        return new Sample(false, detail);
    }
}

package dev.driftless.plan;

import dev.driftless.render.Desired;
import dev.driftless.state.HostState;

/**
 * When the images of a host's compose stacks are pulled. Compose pulls an image the host lacks in any case; a tag
 * the host has (a {@code :latest} that moved on the registry) is pulled again only by an apply: one that brings the
 * stack up, for a stack that says {@code pull: always}, or every stack with {@code driftless apply --pull}. A
 * drift check or heal of the agent never pulls a tag the host has, so a heal of a killed container brings back the
 * image it ran, not whatever the tag names since.
 */
public enum ImagePull {
    /** Only images the host lacks (the agent's drift checks and heals). */
    WHEN_MISSING,
    /** An apply: a stack that says {@code pull: always} is pulled and brought up even when nothing else changed. */
    AS_STACKS_SAY,
    /** {@code apply --pull}: every stack's images are pulled and every stack brought up. */
    EVERY_IMAGE;

    /** Whether an apply under this setting pulls {@code stack}'s images (and so brings it up). */
    boolean pulls(Desired.Stack stack) {
        return this == EVERY_IMAGE || (this == AS_STACKS_SAY && stack.pullAlways());
    }

    /** {@code stack} as the apply brings it up: pulling every image of it, or only those the host lacks. */
    Desired.Stack applied(Desired.Stack stack) {
        boolean pulls = pulls(stack);
        return pulls == stack.pullAlways() ? stack : new Desired.Stack(stack.project(), stack.directory(), stack.file(),
                stack.override(), pulls, stack.removeVolumes(), stack.services(), stack.service(), stack.where());
    }

    /**
     * Whether a host must be planned from its rendered repository even though its state records the revision as
     * applied in full: its stacks may have images to pull.
     */
    boolean needsPlan(HostState state) {
        return this != WHEN_MISSING && state.resources().keySet().stream().anyMatch(StackChanges::isStack);
    }
}

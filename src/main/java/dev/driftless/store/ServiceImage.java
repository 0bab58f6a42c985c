package dev.driftless.store;

import java.util.Objects;
import java.util.Optional;

/**
 * The image one compose service of a stack ran when its host was found healthy, as history keeps it: what a
 * rollback to that commit pins, and what tells which image a moving tag such as {@code :latest} named then.
 *
 * @param stack          the stack (compose project), e.g. {@code app}
 * @param composeService the service of the compose file, e.g. {@code web}
 * @param reference      the image as the compose file named it ({@code 127.0.0.1:5000/app:latest}); {@code ""} when
 *                       it named none (a {@code build:})
 * @param imageId        the engine's image ID ({@code sha256:…})
 * @param digest         the image's repository digest ({@code 127.0.0.1:5000/app@sha256:…}), when it came from, or
 *                       went to, a registry
 */
public record ServiceImage(String stack, String composeService, String reference, String imageId,
        Optional<String> digest) {

    public ServiceImage {
        Objects.requireNonNull(stack, "stack");
        Objects.requireNonNull(composeService, "composeService");
        reference = reference == null ? "" : reference;
        Objects.requireNonNull(imageId, "imageId");
        digest = digest == null ? Optional.empty() : digest;
    }
}

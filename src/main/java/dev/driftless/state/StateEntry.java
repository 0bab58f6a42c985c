package dev.driftless.state;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * What Driftless last applied at one path: the kind, the owning service and the fingerprint of what
 * it wrote. Attributes a resource does not manage are null, so changing them is not drift.
 *
 * @param sha256 hex digest of a file's content (null for other kinds)
 * @param mode octal text such as "0644", when managed
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record StateEntry(String kind, String service, String sha256, String mode, String owner, String group,
        String target) {
}

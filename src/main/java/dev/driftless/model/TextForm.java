package dev.driftless.model;

import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.InternetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The form a text setting under {@code notifications:} must have. The loader checks text written in driftless.yaml;
 * the agent checks a value it read from a secret or the environment, with the same words.
 */
public enum TextForm {
    /** Any text that is not empty. */
    TEXT,
    /** An absolute http(s) URL with a host, without user info or fragment. */
    HTTP_URL,
    /** An owner or repository name on GitHub, Gitea or Forgejo. */
    FORGE_NAME,
    /** An ntfy topic. */
    NTFY_TOPIC,
    /** An email address, with or without a display name: {@code Driftless <driftless@example.org>}. */
    EMAIL_ADDRESS;

    private static final Pattern FORGE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,99}");
    private static final Pattern TOPIC = Pattern.compile("[A-Za-z0-9_-]{1,64}");

    /**
     * What is wrong with {@code value}, or empty when it has this form.
     *
     * @param shown how the message names the value: {@code 'ftp://x'} for text of the file, {@code the value of
     *              secret 'hook'} for a value that must not be shown
     */
    public Optional<String> problem(String value, String shown) {
        if (value.isBlank()) {
            return Optional.of(shown + " is empty");
        }
        return switch (this) {
            case TEXT -> Optional.empty();
            case HTTP_URL -> url(value, shown);
            case FORGE_NAME -> FORGE.matcher(value).matches() ? Optional.empty() : Optional.of(shown
                    + " is not a valid owner or repository name (letters, digits, '.', '_' and '-')");
            case NTFY_TOPIC -> TOPIC.matcher(value).matches() ? Optional.empty() : Optional.of(shown
                    + " is not an ntfy topic (letters, digits, '_' and '-', at most 64)");
            case EMAIL_ADDRESS -> address(value).isPresent() ? Optional.empty()
                    : Optional.of(shown + " is not an email address");
        };
    }

    /** The address {@code value} names, if it is one. */
    public static Optional<InternetAddress> address(String value) {
        try {
            InternetAddress address = new InternetAddress(value, true);
            address.validate();
            return Optional.of(address);
        } catch (AddressException e) {
            return Optional.empty();
        }
    }

    private static Optional<String> url(String value, String shown) {
        try {
            URI uri = new URI(value);
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if (!(scheme.equals("https") || scheme.equals("http")) || uri.getHost() == null
                    || uri.getRawUserInfo() != null || uri.getRawFragment() != null) {
                return Optional.of(shown + " is not an http(s) URL, such as https://example.org/hook");
            }
            return Optional.empty();
        } catch (URISyntaxException e) {
            return Optional.of(shown + " is not a valid URL");
        }
    }
}

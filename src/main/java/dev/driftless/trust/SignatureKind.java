package dev.driftless.trust;

import dev.driftless.report.Word;

/** How a commit or tag was signed: with an SSH key (git's gpg.format=ssh) or an OpenPGP key. */
public enum SignatureKind implements Word {
    SSH,
    OPENPGP
}
